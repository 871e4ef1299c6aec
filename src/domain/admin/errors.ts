import { ApiError } from '../errors.js';

/**
 * The admin API's own errors, as values: a status, a stable machine-readable `code` and a message. The
 * admin surface renders them (and any other error) as `{"error": {"code", "message"}}`.
 */
export class AdminError extends ApiError {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(status, message, headers);
    this.name = 'AdminError';
  }
}

export const adminErrors = {
  unauthorized: () =>
    new AdminError(401, 'unauthorized', 'The admin API needs "Authorization: Bearer <ADMIN_TOKEN>".', {
      'www-authenticate': 'Bearer realm="order-inbox admin"',
    }),
  notFound: () => new AdminError(404, 'not_found', 'No admin operation at this path.'),
  accountNotFound: (id: number) => new AdminError(404, 'account_not_found', `No account with id ${id}.`),
  invalidRequest: (message: string) => new AdminError(400, 'invalid_request', message),
  taken: (what: 'public_key' | 'integration_id', value: string | number) =>
    new AdminError(
      409,
      'conflict',
      what === 'public_key' ? `The public key "${value}" is taken.` : `The integration id ${value} is taken.`,
    ),
} as const;
