// Headers of every answer that renders nothing (the REST API, OTLP ingest, /metrics): next.config.ts puts them on
// the main port's answers, the handlers answered outside Next (main-port-ingest.ts, and the OTLP/HTTP listener,
// otlp-listeners.ts) on their own. No imports: next.config.ts loads it.

// The dashboard's pages get their Content-Security-Policy from proxy.ts, which replaces this one with a policy
// carrying a fresh script nonce; everything else keeps this one: it renders nothing, so it allows nothing. Header
// names are lower-case so that proxy.ts's header replaces this one rather than joining it.
const API_CONTENT_SECURITY_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const EVERY_ANSWER: Record<string, string> = {
  "content-security-policy": API_CONTENT_SECURITY_POLICY,
  // a JSON answer is never run as a script or rendered as a page by a browser guessing its type
  "x-content-type-options": "nosniff",
  // links out of the dashboard do not carry its URLs (project names, trace ids, filters) to other sites
  "referrer-policy": "same-origin",
};

// Answers that carry telemetry or credentials (POST /api/v1/keys returns a key's secret, /api/oauth/token an
// access token) are not kept by browsers or shared caches.
export const NO_STORE: Record<string, string> = { "cache-control": "no-store" };

/** What next.config.ts puts on every answer of /api/* and /v1/*. */
export const API_ANSWER: Record<string, string> = { ...EVERY_ANSWER, ...NO_STORE };

// `next start` speaks plain HTTP: HTTPS reaches it through a TLS-terminating proxy, which says so in
// X-Forwarded-Proto (the first value is the client's; Next reads the same header to know a request came over HTTPS).
// Over plain HTTP the header means nothing to browsers; only over HTTPS is the host pinned to HTTPS, for a year.
/** X-Forwarded-Proto values of a request that came over HTTPS (a path-to-regexp pattern, as next.config.ts's `has`). */
export const OVER_HTTPS = "https(\\s*,.*)?";
export const STRICT_TRANSPORT_SECURITY: Record<string, string> = { "strict-transport-security": "max-age=31536000" };
