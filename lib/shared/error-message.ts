// lib/shared: used by both the server and the SDK, so it imports neither (npm run lint:deps checks it).

/**
 * What went wrong, in words: fetch's "fetch failed" says nothing, so its cause speaks instead (`connect ECONNREFUSED
 * 127.0.0.1:4318`, `getaddrinfo ENOTFOUND host`, a TLS handshake's refusal); an AggregateError without a message
 * (a connection tried on several addresses) gives each of its errors.
 */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message === "fetch failed" && error.cause !== undefined) return errorMessage(error.cause);
  if (error instanceof AggregateError && !error.message && error.errors.length)
    return error.errors.map(errorMessage).join("; ");
  return error.message;
}
