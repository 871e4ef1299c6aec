import type { FastifyError, FastifyRequest } from 'fastify';
import { errors } from '../domain/errors.js';
import type { ApiError } from '../domain/errors.js';

/**
 * Fastify's own failures, mapped to what DRF answers in the same situation. Shared by the surfaces:
 * each renders the ApiError in its own format.
 */
export function fromFastifyError(
  error: FastifyError,
  request: FastifyRequest,
  bodyLimit: number,
): ApiError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(String(request.headers['content-type'] ?? ''));
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.badRequest('Request body size did not match Content-Length.');
    case 'FST_ERR_CTP_INVALID_TYPE':
    case 'FST_ERR_CTP_INVALID_HEADER':
      return errors.unsupportedMediaType(String(request.headers['content-type'] ?? ''));
    default:
      return null;
  }
}
