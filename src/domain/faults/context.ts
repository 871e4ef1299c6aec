/** What an injected error may need to know of the request it answers. */
export interface FaultContext {
  operation: string;
  method: string;
  /** The request's `Content-Type` as sent ('' when none). */
  contentType: string;
  /** The server's body limit, for the 413 message. */
  bodyLimitBytes: number;
  /** `Retry-After` for a 429 or 503: the effect's `retry_after`, else 1 second. */
  retryAfterSeconds: number;
}
