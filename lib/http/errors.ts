import { z } from "zod";

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
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  path?: string;
  message: string;
}

/** The one error type services throw; the route wrapper turns it into the error envelope. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** seconds, for 429 and 503 */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || undefined,
    message: issue.message,
  }));
}

export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const at = issue.path.map(String).join(".");
      return at ? `${at}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

// Postgres SQLSTATE classes that mean "the database cannot take requests now", not "bad input".
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3])/;
const UNAVAILABLE_ERRNO = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnavailable)) return true;
    if ((e as { name?: string }).name === "DataDirBusyError") return true;
  }
  return false;
}

/** Anything thrown, as an ApiError: unknown errors become a logged 500 with a generic message. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof z.ZodError) return new ApiError("validation_failed", describeZodError(error), zodDetails(error));
  if (isDatabaseUnavailable(error)) {
    console.error("database unavailable:", (error as Error).message ?? error);
    return new ApiError("unavailable", "the database is unavailable; retry later", undefined, 5);
  }
  console.error(error);
  return new ApiError("internal", "internal error");
}

export function errorResponse(error: ApiError): Response {
  return Response.json(
    { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
    { status: error.status, headers: errorHeaders(error) },
  );
}

/**
 * Retry-After for 429/503. A 413 is answered before the body is read to its end, so the
 * connection closes and the client does not send its next request into the rest of this one.
 */
export function errorHeaders(error: ApiError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
  if (error.status === 413) headers.connection = "close";
  return headers;
}
