import { z } from "zod";

/** What went wrong, in the words every transport answers with (HTTP maps each to a status in lib/http). */
export const ERROR_CODES = [
  "validation_failed",
  "invalid_json",
  "invalid_body",
  "unauthorized",
  "forbidden",
  "not_found",
  "payload_too_large",
  "unsupported_media_type",
  "unprocessable",
  "rate_limited",
  "internal",
  "unavailable",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  path?: string;
  message: string;
}

/** The one error type services throw; the transport turns it into its own error answer. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** seconds, for rate_limited and unavailable */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "ApiError";
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

/** Anything thrown, as an ApiError: unknown errors become a logged internal error with a generic message. */
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
