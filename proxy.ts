import { NextResponse, type NextRequest } from "next/server";
import { PAGE_URL_HEADER } from "@/lib/auth/return-to";

// Next builds with NODE_ENV set and replaces this with a constant: `next dev` gets the development policy.
const DEVELOPMENT = process.env.NODE_ENV === "development";

/**
 * The dashboard pages' Content-Security-Policy. Next reads the nonce from the request's copy of this header and
 * puts it on every script it renders (the app's own inline script reads it from `x-nonce`).
 * - script-src: only scripts carrying this answer's nonce, and what they load ('strict-dynamic': Next's chunks);
 *   no inline script without the nonce, nothing from other hosts. `next dev` needs eval for React's debugging.
 * - style-src-elem: the stylesheets of this origin, and <style> elements only with the nonce, which Next puts on
 *   the ones it renders (under `next dev`, whose style injection carries none, any <style>).
 * - style-src-attr 'unsafe-inline': style attributes cannot carry a nonce, and the pages use them for values
 *   computed from data (bar widths, service colours, recharts' layout); a style attribute runs no code.
 * - style-src: what browsers without the two directives above fall back to, so it allows the style attributes.
 * - default-src 'self': images, fonts and fetches (the REST API, and the dev server's websocket) stay on this site.
 * - object-src, base-uri, form-action, frame-ancestors do not fall back to default-src (or are not covered by it):
 *   no plugins, no <base> pointing relative links elsewhere, forms post only here, and no site frames the
 *   dashboard (clickjacking).
 */
function pageContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${DEVELOPMENT ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    `style-src-elem 'self' ${DEVELOPMENT ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    "style-src-attr 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

const isPage = (pathname: string) => !/^\/(api|v1)\//.test(pathname);

export function proxy(request: NextRequest): NextResponse | undefined {
  // A path with broken percent-encoding is the client's mistake: answer 400 with the error envelope before
  // routing, where decoding it would fail. (Authentication is not done here: every route handler checks
  // credentials itself.)
  try {
    decodeURIComponent(request.nextUrl.pathname);
  } catch {
    return NextResponse.json(
      { error: { code: "validation_failed", message: "the request path is not valid percent-encoding" } },
      { status: 400 },
    );
  }
  if (!isPage(request.nextUrl.pathname)) return undefined;
  // 128 random bits, fresh for every page answer
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const policy = pageContentSecurityPolicy(nonce);
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  // the page asked for, so that a visitor sent to sign in comes back to it
  headers.set(PAGE_URL_HEADER, `${request.nextUrl.pathname}${request.nextUrl.search}`);
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  return response;
}

// The dashboard's pages (for their nonce), and of the API's routes with path parameters only the paths with a
// "%": a path without one has nothing to decode. The REST API, ingest, /metrics and static files stay free of the
// extra step, which costs about half a millisecond a request; next.config.ts gives their answers their headers.
// Ingest must stay out for another reason too: Next buffers the body of every request its proxy sees and hands the
// route only the first 10 MB of it (experimental.proxyClientMaxBodySize), where ingest takes TRACEDECK_MAX_BODY_BYTES
// (20 MiB). None of the patterns below matches an ingest path: POST /api/v1/pipeline/events has nothing after
// "events", and a "%" after /api/v1/publishers/ routes to a publisher's id, never to /status.
export const config = {
  matcher: [
    "/((?!api/|v1/|_next/|metrics$|favicon\\.ico$).*)",
    "/api/v1/traces/:path(.*%.*)",
    "/api/v1/services/:path(.*%.*)",
    "/api/v1/pipeline/events/:path(.*%.*)",
    "/api/v1/projects/:path(.*%.*)",
    "/api/v1/keys/:path(.*%.*)",
    "/api/v1/users/:path(.*%.*)",
    "/api/v1/publishers/:path(.*%.*)",
  ],
};
