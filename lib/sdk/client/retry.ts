import { RetryableError } from "./errors";

/** Statuses that say "not now" rather than "never": timeouts, too early, rate limits, server trouble. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

export interface RetryInfo {
  /** The attempt that just failed, from 1. */
  attempt: number;
  /** How long we wait before the next attempt. */
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  /** Attempts in all, the first included (default 4: one try and three retries). */
  maxAttempts?: number;
  /** Retries after the first attempt, the reference client's name for it: maxAttempts − 1 (maxAttempts wins). */
  maxRetries?: number;
  /** The cap of the first backoff window; each retry doubles it (default 500 ms). */
  baseDelayMs?: number;
  /** The largest backoff window (default 30 s). */
  maxDelayMs?: number;
  /** The longest `Retry-After` we agree to wait; a server asking for more gets the error instead (default 5 min). */
  maxRetryAfterMs?: number;
  retryableStatuses?: ReadonlySet<number>;
  onRetry?: (info: RetryInfo) => void;
  /** Aborting stops the waiting at once and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** A source of randomness in [0, 1), for the jitter. */
  random?: () => number;
}

/**
 * `Retry-After` as milliseconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable, so the caller falls back to its own backoff.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // an HTTP date names its day and month; without letters Date.parse would read "-1" as a year
  const date = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Codes Node's fetch (undici) gives a lost or refused connection: the request may never have arrived. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** A failure of the connection itself (fetch's TypeError, a socket error, a request timeout) rather than an answer. */
export function isNetworkError(error: unknown): boolean {
  if (error instanceof DOMException && error.name === "TimeoutError") return true;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    if (e instanceof TypeError && e.message === "fetch failed") return true;
  }
  return false;
}

function shouldRetry(error: unknown, statuses: ReadonlySet<number>): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === "number") return statuses.has(status);
  return error instanceof RetryableError || isNetworkError(error);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds, fails with something not worth retrying, or the attempts run out;
 * then the last error is thrown as it was. The wait is "full jitter" (a random delay up to the
 * exponential window), which spreads out clients that failed together instead of having them
 * return together; a server's `Retry-After` (an error's `retryAfterMs`) replaces it.
 *
 * An error is retried when its `status` is in `retryableStatuses`, or when it has no status and
 * is a RetryableError or a network error.
 */
export async function retryWithBackoff<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = Math.max(
    1,
    options.maxAttempts ?? (options.maxRetries === undefined ? 4 : Math.floor(options.maxRetries) + 1),
  );
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 300_000;
  const statuses = options.retryableStatuses ?? RETRYABLE_STATUSES;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (attempt >= maxAttempts || !shouldRetry(error, statuses)) throw error;
      const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
      if (typeof retryAfterMs === "number" && retryAfterMs > maxRetryAfterMs) throw error;
      const delayMs =
        typeof retryAfterMs === "number"
          ? retryAfterMs
          : Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}
