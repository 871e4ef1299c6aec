import { errors } from '../domain/errors.js';
import type { Store } from '../storage/store.js';
import { parseBasic } from './basic.js';
import type { SecretHasher } from './secrets.js';

/** Who is calling: every `/api/v2` operation is scoped to this account. */
export interface Principal {
  accountId: number;
  partner: boolean;
  credentialId: number;
}

/**
 * Resolves an Authorization header to a principal, or throws the 401 DRF would answer. Nothing is
 * cached: a revocation from the command line or another process counts on the very next request.
 */
export class Authenticator {
  constructor(
    private readonly store: Store,
    private readonly hasher: SecretHasher,
  ) {}

  async authenticate(header: string | undefined): Promise<Principal> {
    if (header === undefined || header === '') throw errors.notAuthenticated();
    const basic = parseBasic(header);
    if (basic.kind === 'none') throw errors.notAuthenticated();
    if (basic.kind === 'invalid') throw errors.invalidBasicHeader(basic.detail);
    const credential = await this.store.findCredential(basic.publicKey);
    // The digest is computed even for an unknown key, so timing does not tell which keys exist.
    const secretOk = this.hasher.matches(basic.secret, credential?.secretHash ?? '0'.repeat(64));
    if (credential === null || credential.revokedAtUs !== null || !secretOk)
      throw errors.invalidCredentials();
    if (credential.oauthOnly) throw errors.oauthRequired();
    return {
      accountId: credential.accountId,
      partner: credential.accountPartner,
      credentialId: credential.id,
    };
  }
}
