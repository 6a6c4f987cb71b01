import type { ApiError, ErrorCode } from "@/lib/errors";

// `satisfies`: a code added to ERROR_CODES without a status here does not compile.
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  invalid_body: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<ErrorCode, number>;

/** The HTTP status an error is answered with. */
export function errorStatus(error: ApiError): number {
  return ERROR_STATUS[error.code];
}

export function errorResponse(error: ApiError): Response {
  return Response.json(
    { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
    { status: errorStatus(error), headers: errorHeaders(error) },
  );
}

/**
 * Retry-After for 429/503. A 413 is answered before the body is read to its end, so the
 * connection closes and the client does not send its next request into the rest of this one.
 */
export function errorHeaders(error: ApiError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
  if (errorStatus(error) === 413) headers.connection = "close";
  return headers;
}
