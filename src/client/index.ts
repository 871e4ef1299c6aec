/**
 * `order-inbox/client`: typed clients for the Sendcloud API v2 and v3 and the admin API, for test suites and
 * scripts. The types are generated at build time from the OpenAPI documents the server serves
 * (scripts/generate-client.ts); openapi-fetch does the requests. There is no method per endpoint: a
 * call names the documented path and method, and its parameters, body and answer are typed by it:
 *
 *   const sendcloud = createSendcloudClient({ baseUrl: process.env.SENDCLOUD_BASE_URL, publicKey, secretKey });
 *   const { data, error, response } = await sendcloud.GET('/integrations/{id}', { params: { path: { id } } });
 */
import createClient, { mergeHeaders } from 'openapi-fetch';
import type { Client, ClientOptions } from 'openapi-fetch';
import type { components as AdminComponents, paths as AdminPaths } from './generated/admin.js';
import type { components as SendcloudComponents, paths as SendcloudPaths } from './generated/sendcloud-v2.js';
import type {
  components as SendcloudV3Components,
  paths as SendcloudV3Paths,
} from './generated/sendcloud-v3.js';

export type {
  AdminComponents,
  AdminPaths,
  SendcloudComponents,
  SendcloudPaths,
  SendcloudV3Components,
  SendcloudV3Paths,
};
export type { Client, ClientOptions, Middleware } from 'openapi-fetch';

export type SendcloudClient = Client<SendcloudPaths>;
export type SendcloudV3Client = Client<SendcloudV3Paths>;
export type AdminClient = Client<AdminPaths>;

/** What every factory passes on to openapi-fetch as it is (headers, a `fetch`, serializers, …). */
type PassedOn = Omit<ClientOptions, 'baseUrl'>;

/** The API key pair (HTTP Basic, as Sendcloud's clients send it), or an OAuth2 access token. */
export type SendcloudCredentials =
  | { publicKey: string; secretKey: string; accessToken?: never }
  | { accessToken: string; publicKey?: never; secretKey?: never };

export type SendcloudClientOptions = PassedOn &
  SendcloudCredentials & {
    /**
     * The API's base, as Sendcloud's clients are configured with it and as `order-inbox exec` exports
     * it in `SENDCLOUD_BASE_URL`: `http://127.0.0.1:PORT/api/v2`. A bare origin gets `/api/v2` added.
     */
    baseUrl: string;
  };

export interface AdminClientOptions extends PassedOn {
  /**
   * The admin API's base, as `order-inbox exec` exports it in `ORDER_INBOX_ADMIN_URL`:
   * `http://127.0.0.1:PORT/__admin`. A bare origin gets `/__admin` added.
   */
  baseUrl: string;
  /** The server's admin token (`ADMIN_TOKEN`), sent as `Authorization: Bearer`. */
  token: string;
}

/** A surface's base URL: as given, or the surface's path added to a bare origin. */
function baseFor(baseUrl: string, surfacePath: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return new URL(trimmed).pathname === '/' ? `${trimmed}${surfacePath}` : trimmed;
}

/** The Authorization header of a key pair (Basic) or an OAuth2 token (Bearer), over the caller's. */
function sendcloudOptions(options: SendcloudClientOptions, surfacePath: string): ClientOptions {
  const { baseUrl, publicKey, secretKey, accessToken, headers, ...rest } = options;
  const authorization =
    accessToken !== undefined
      ? `Bearer ${accessToken}`
      : `Basic ${Buffer.from(`${publicKey}:${secretKey}`).toString('base64')}`;
  return {
    ...rest,
    baseUrl: baseFor(baseUrl, surfacePath),
    headers: mergeHeaders(headers, { authorization }),
  };
}

/** A client of the Sendcloud API v2 (`/api/v2`); paths are relative to it: `/integrations/{id}`. */
export function createSendcloudClient(options: SendcloudClientOptions): SendcloudClient {
  return createClient<SendcloudPaths>(sendcloudOptions(options, '/api/v2'));
}

/**
 * A client of the Sendcloud API v3 (`/api/v3`, `SENDCLOUD_V3_BASE_URL` under `order-inbox exec`); paths
 * are relative to it: `/orders`, `/integrations/{id}`.
 */
export function createSendcloudV3Client(options: SendcloudClientOptions): SendcloudV3Client {
  return createClient<SendcloudV3Paths>(sendcloudOptions(options, '/api/v3'));
}

/** A client of the admin API (`/__admin`); paths are relative to it: `/tenants`, `/reset`. */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  const { baseUrl, token, headers, ...rest } = options;
  return createClient<AdminPaths>({
    ...rest,
    baseUrl: baseFor(baseUrl, '/__admin'),
    headers: mergeHeaders(headers, { authorization: `Bearer ${token}` }),
  });
}
