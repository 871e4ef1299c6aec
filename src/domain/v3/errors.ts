/**
 * v3's errors as values: JSON:API error objects (the reference's `ErrorObject`). The v3 surface renders
 * a V3Error as `{"errors": [...]}`; an ApiError (the shared pipeline's: 413, 429, 503, a fault rule)
 * reaching the v3 surface is rendered by the same renderer in this format.
 */
export interface V3ErrorSource {
  /** A JSON pointer into the request body, in the reference's form (`/data/attributes/[1]/order_id`). */
  pointer?: string;
  /** The query parameter that caused the error. */
  parameter?: string;
  /** The header that caused the error. */
  header?: string;
}

export interface V3ErrorObject {
  /** The HTTP status as a string (`"400"`), as the reference's schema types it. */
  status: string;
  /** Snake-case error code (`validation_error`, `not_found`, …). */
  code: string;
  title?: string;
  detail: string;
  source?: V3ErrorSource;
}

export class V3Error extends Error {
  readonly status: number;
  readonly errors: readonly V3ErrorObject[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, errors: V3ErrorObject[], headers: Record<string, string> = {}) {
    // An answer, not a fault: no stack trace is captured.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(errors[0]?.detail ?? `HTTP ${status}`);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'V3Error';
    this.status = status;
    this.errors = errors;
    this.headers = headers;
  }
}
