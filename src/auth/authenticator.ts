import type { Clock } from '../domain/clock.js';
import { errors } from '../domain/errors.js';
import type { Integration } from '../domain/types.js';
import type { Store } from '../storage/store.js';
import { parseBasic } from './basic.js';
import type { SecretHasher } from './secrets.js';

/** Who is calling: every `/api/v2` operation is scoped to this account. */
export interface Principal {
  accountId: number;
  partner: boolean;
  credentialId: number;
  /**
   * The integration the request names, looked up together with the credential when the caller asked
   * for it (`authenticate`'s `integrationId`): null when it is not this account's; absent otherwise.
   */
  integration?: Integration | null;
}

const ZERO_DIGEST = '0'.repeat(64);

/**
 * Resolves an Authorization header to a principal, or throws the 401 DRF would answer. Nothing is
 * cached: a revocation from the command line, another process or another instance counts on the very
 * next request, and so does a token's expiry.
 */
export class Authenticator {
  constructor(
    private readonly store: Store,
    private readonly hasher: SecretHasher,
    private readonly clock: Clock,
  ) {}

  async authenticate(header: string | undefined, integrationId?: number): Promise<Principal> {
    if (header === undefined || header === '') throw errors.notAuthenticated();
    const scheme = header.trimStart().slice(0, 7).toLowerCase();
    if (scheme === 'bearer' || scheme.startsWith('bearer ') || scheme.startsWith('bearer\t')) {
      return this.bearer(header, integrationId);
    }
    const basic = parseBasic(header);
    if (basic.kind === 'none') throw errors.notAuthenticated();
    if (basic.kind === 'invalid') throw errors.invalidBasicHeader(basic.detail);
    const credential = await this.verifySecret(basic.publicKey, basic.secret, integrationId);
    if (credential.oauthOnly) throw errors.oauthRequired();
    return credential;
  }

  /**
   * A key pair's principal, or 401 `Invalid username/password.` The digest is computed even for an
   * unknown key, so timing does not tell which keys exist. Also used by the token endpoint.
   */
  async verifySecret(
    publicKey: string,
    secret: string,
    integrationId?: number,
  ): Promise<Principal & { oauthOnly: boolean }> {
    const credential = await this.store.findCredential(publicKey, integrationId);
    const secretOk = this.hasher.matches(secret, credential?.secretHash ?? ZERO_DIGEST);
    if (credential === null || credential.revokedAtUs !== null || !secretOk)
      throw errors.invalidCredentials();
    return {
      accountId: credential.accountId,
      partner: credential.accountPartner,
      credentialId: credential.id,
      oauthOnly: credential.oauthOnly,
      integration: credential.integration,
    };
  }

  /** DRF's token header rules; the token itself is opaque and only its digest is stored. */
  private async bearer(header: string, integrationId: number | undefined): Promise<Principal> {
    const parts = header.trim().split(/\s+/);
    if (parts.length === 1) throw errors.invalidTokenHeader('No credentials provided.');
    if (parts.length > 2) throw errors.invalidTokenHeader('Token string should not contain spaces.');
    const token = await this.store.findToken(this.hasher.hash(parts[1] as string), integrationId);
    if (token === null || token.credentialRevoked || token.expiresAtUs <= this.clock.nowUs()) {
      throw errors.invalidToken();
    }
    return {
      accountId: token.accountId,
      partner: token.accountPartner,
      credentialId: token.credentialId,
      integration: token.integration,
    };
  }
}
