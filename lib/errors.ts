import { z } from "zod";
import { isDatabaseUnavailable, isQueryCanceled } from "@/db/errors";

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

/** Anything thrown, as an ApiError: unknown errors become a logged internal error with a generic message. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof z.ZodError) return new ApiError("validation_failed", describeZodError(error), zodDetails(error));
  if (isQueryCanceled(error)) {
    // the query API's statement timeout, or its client went away (then nobody reads this answer)
    return new ApiError(
      "unprocessable",
      "the query ran longer than a query may (TRACEDECK_QUERY_TIMEOUT_MS); narrow its time range or add filters",
    );
  }
  if (isDatabaseUnavailable(error)) {
    console.error("database unavailable:", (error as Error).message ?? error);
    return new ApiError("unavailable", "the database is unavailable; retry later", undefined, 5);
  }
  console.error(error);
  return new ApiError("internal", "internal error");
}
