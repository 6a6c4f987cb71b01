import type { NextConfig } from "next";
import { EVERY_ANSWER, NO_STORE, OVER_HTTPS, STRICT_TRANSPORT_SECURITY } from "./lib/http/answer-headers";

// Headers on every answer (lib/http/answer-headers.ts): the dashboard's pages get their Content-Security-Policy from
// proxy.ts instead; the rest renders nothing, so it allows nothing.
const asList = (headers: Record<string, string>) => Object.entries(headers).map(([key, value]) => ({ key, value }));
const everyAnswer = asList(EVERY_ANSWER);
const noStore = asList(NO_STORE);

// HTTPS only over HTTPS, as a TLS-terminating proxy says in X-Forwarded-Proto (answer-headers.ts)
const overHttps = [{ type: "header" as const, key: "x-forwarded-proto", value: OVER_HTTPS }];
const strictTransportSecurity = asList(STRICT_TRANSPORT_SECURITY);

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
