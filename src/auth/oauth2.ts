import { randomBytes } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { ApiError, OAuthError } from '../domain/errors.js';
import type { Store } from '../storage/store.js';
import type { Authenticator } from './authenticator.js';
import { parseBasic } from './basic.js';
import type { SecretHasher } from './secrets.js';

export interface TokenAnswer {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: 'api';
}

/**
 * The client-credentials grant (docs/behaviour.md): the client is a key pair, by Basic or by form fields;
 * the token is 256 random bits, stored as a digest, living `ttlSeconds`, dead with its credentials.
 * OAuth2-only credentials get tokens too: that is how they are meant to be used.
 */
export class TokenIssuer {
  constructor(
    private readonly store: Store,
    private readonly hasher: SecretHasher,
    private readonly authenticator: Authenticator,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  async issue(form: URLSearchParams, authorization: string | undefined): Promise<TokenAnswer> {
    const client = this.clientCredentials(form, authorization);
    const accountCredential = await this.authenticator
      .verifySecret(client.id, client.secret)
      .catch((error: unknown) => {
        throw error instanceof ApiError
          ? new OAuthError(401, 'invalid_client', 'Client authentication failed.')
          : error;
      });
    const grantType = form.get('grant_type');
    if (grantType === null || grantType === '') {
      throw new OAuthError(400, 'invalid_request', 'Missing grant_type parameter.');
    }
    if (grantType !== 'client_credentials') {
      throw new OAuthError(400, 'unsupported_grant_type', `Grant type "${grantType}" is not supported.`);
    }
    const scope = (form.get('scope') ?? 'api').trim();
    if (scope !== 'api' && scope !== '') {
      throw new OAuthError(400, 'invalid_scope', 'The requested scope is invalid; the only scope is "api".');
    }
    const token = randomBytes(32).toString('base64url');
    const nowUs = this.clock.nowUs();
    await this.store.createToken({
      credentialId: accountCredential.credentialId,
      tokenHash: this.hasher.hash(token),
      nowUs,
      expiresAtUs: nowUs + this.ttlSeconds * 1_000_000,
    });
    return { access_token: token, token_type: 'bearer', expires_in: this.ttlSeconds, scope: 'api' };
  }

  private clientCredentials(
    form: URLSearchParams,
    authorization: string | undefined,
  ): { id: string; secret: string } {
    if (authorization !== undefined && authorization !== '') {
      const basic = parseBasic(authorization);
      if (basic.kind !== 'credentials') {
        throw new OAuthError(401, 'invalid_client', 'Client authentication failed.');
      }
      return { id: basic.publicKey, secret: basic.secret };
    }
    const id = form.get('client_id');
    const secret = form.get('client_secret');
    if (id === null || id === '' || secret === null) {
      throw new OAuthError(401, 'invalid_client', 'Client authentication failed.');
    }
    return { id, secret };
  }
}
