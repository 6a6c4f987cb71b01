/**
 * Every error the client throws is a TracedeckError, so callers can tell the SDK's failures from
 * their own with one `instanceof`; the subclasses say what the caller can do about it.
 */
export class TracedeckError extends Error {
  /** The HTTP status of the answer, when there was one. */
  readonly status: number | undefined;
  /** The server's error code (`validation_failed`, …) from its error envelope, when it sent one. */
  readonly code: string | undefined;

  constructor(message: string, options: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "TracedeckError";
    this.status = options.status;
    this.code = options.code;
  }
}

/** The credentials were refused (401) or lack the scope (403): retrying will not help. */
export class AuthenticationError extends TracedeckError {
  constructor(message: string, options: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, options);
    this.name = "AuthenticationError";
  }
}

/** A failure that may pass if the request is sent again: a busy or restarting server, a lost connection. */
export class RetryableError extends TracedeckError {
  /** How long the server asked us to wait (its `Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: { status?: number; code?: string; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, options);
    this.name = "RetryableError";
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The configuration is incomplete or malformed; raised when it is built, not on the first send. */
export class ConfigError extends TracedeckError {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
