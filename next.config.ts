import type { NextConfig } from "next";

// Headers on every answer. The dashboard's pages get their Content-Security-Policy from proxy.ts, which replaces
// the one below with a policy carrying a fresh script nonce; everything else (the REST API, OTLP ingest, /metrics,
// static files, and the error answers of all of them) keeps this one: it renders nothing, so it allows nothing.
// Header names are lower-case so that proxy.ts's header replaces this one rather than joining it.
const API_CONTENT_SECURITY_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const everyAnswer = [
  { key: "content-security-policy", value: API_CONTENT_SECURITY_POLICY },
  // a JSON answer is never run as a script or rendered as a page by a browser guessing its type
  { key: "x-content-type-options", value: "nosniff" },
  // links out of the dashboard do not carry its URLs (project names, trace ids, filters) to other sites
  { key: "referrer-policy", value: "same-origin" },
];

// Answers that carry telemetry or credentials (POST /api/v1/keys returns a key's secret, /api/oauth/token an
// access token) are not kept by browsers or shared caches.
const noStore = [{ key: "cache-control", value: "no-store" }];

// `next start` speaks plain HTTP: HTTPS reaches it through a TLS-terminating proxy, which says so in
// X-Forwarded-Proto (the first value is the client's; Next reads the same header to know a request came over HTTPS).
// Over plain HTTP the header means nothing to browsers; only over HTTPS is the host pinned to HTTPS, for a year.
const overHttps = [{ type: "header" as const, key: "x-forwarded-proto", value: "https(\\s*,.*)?" }];
const strictTransportSecurity = [{ key: "strict-transport-security", value: "max-age=31536000" }];

const nextConfig: NextConfig = {
  // PGlite loads its WASM and data files from node_modules at run time; bundling breaks those paths.
  // @grpc/grpc-js and grpc-health-check load .proto files from their own folders at run time, as well.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "@node-rs/argon2", "@grpc/grpc-js", "grpc-health-check"],
  poweredByHeader: false,
  // The production server (scripts/serve.ts) compresses every answer, gzip or br, as the client accepts. Next's own
  // compression knows only gzip and leaves route handlers' answers (the API, /metrics) uncompressed.
  compress: false,
  async headers() {
    return [
      { source: "/:path*", headers: everyAnswer },
      { source: "/api/:path*", headers: noStore },
      { source: "/v1/:path*", headers: noStore },
      { source: "/metrics", headers: noStore },
      { source: "/:path*", has: overHttps, headers: strictTransportSecurity },
    ];
  },
};

export default nextConfig;
