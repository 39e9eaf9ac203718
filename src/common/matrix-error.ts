/**
 * The error vocabulary of the whole server. Matrix error codes are the domain's own words
 * (M_FORBIDDEN, M_LIMIT_EXCEEDED, ...), so services throw MatrixError directly; the REST edge
 * renders it as `{errcode, error}` and the GraphQL edge as an error with extension codes.
 */
export type MatrixErrcode =
  | 'M_FORBIDDEN'
  | 'M_UNKNOWN_TOKEN'
  | 'M_MISSING_TOKEN'
  | 'M_BAD_JSON'
  | 'M_NOT_JSON'
  | 'M_NOT_FOUND'
  | 'M_LIMIT_EXCEEDED'
  | 'M_UNRECOGNIZED'
  | 'M_UNKNOWN'
  | 'M_USER_IN_USE'
  | 'M_INVALID_USERNAME'
  | 'M_ROOM_IN_USE'
  | 'M_INVALID_PARAM'
  | 'M_MISSING_PARAM'
  | 'M_TOO_LARGE'
  | 'M_BAD_STATE'
  | 'M_GUEST_ACCESS_FORBIDDEN';

export class MatrixError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: MatrixErrcode,
    message: string,
    /** Extra top-level keys of the error body, e.g. `retry_after_ms` or the UIA `flows`. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'MatrixError';
  }

  toJSON(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.message, ...this.extra };
  }

  static forbidden(message: string): MatrixError {
    return new MatrixError(403, 'M_FORBIDDEN', message);
  }

  static notFound(message: string): MatrixError {
    return new MatrixError(404, 'M_NOT_FOUND', message);
  }

  static badJson(message: string): MatrixError {
    return new MatrixError(400, 'M_BAD_JSON', message);
  }

  static invalidParam(message: string): MatrixError {
    return new MatrixError(400, 'M_INVALID_PARAM', message);
  }

  static unrecognized(message = 'Unrecognized request', status = 404): MatrixError {
    return new MatrixError(status, 'M_UNRECOGNIZED', message);
  }

  static tooLarge(message: string): MatrixError {
    return new MatrixError(413, 'M_TOO_LARGE', message);
  }

  static limitExceeded(retryAfterMs: number): MatrixError {
    return new MatrixError(429, 'M_LIMIT_EXCEEDED', 'Too many requests', {
      retry_after_ms: retryAfterMs,
    });
  }
}
