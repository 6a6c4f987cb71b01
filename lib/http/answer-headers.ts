// Headers of every answer that renders nothing (the REST API, OTLP ingest, /metrics): next.config.ts puts them on
// the main port's answers, the OTLP/HTTP listener (otlp-listeners.ts) on its own. No imports: next.config.ts loads it.

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
