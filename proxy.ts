import { NextResponse, type NextRequest } from "next/server";

// A path with broken percent-encoding is the client's mistake: answer 400 with the error
// envelope before routing, where decoding it would fail. (Authentication is not done here:
// every route handler checks credentials itself.)
export function proxy(request: NextRequest): NextResponse | undefined {
  try {
    decodeURIComponent(request.nextUrl.pathname);
    return undefined;
  } catch {
    return NextResponse.json(
      { error: { code: "validation_failed", message: "the request path is not valid percent-encoding" } },
      { status: 400 },
    );
  }
}

// Only the routes with path parameters, and of their paths only those with a "%": a path without
// one has nothing to decode. Ingest paths and the usual lookups (hex trace ids, plain names) stay
// free of the extra step, which costs about half a millisecond a request.
export const config = {
  matcher: [
    "/api/v1/traces/:path(.*%.*)",
    "/api/v1/services/:path(.*%.*)",
    "/api/v1/pipeline/events/:path(.*%.*)",
    "/api/v1/projects/:path(.*%.*)",
    "/api/v1/keys/:path(.*%.*)",
    "/api/v1/users/:path(.*%.*)",
    "/api/v1/publishers/:path(.*%.*)",
    // the dashboard's pages with a path parameter
    "/traces/:path(.*%.*)",
    "/services/:path(.*%.*)",
    "/events/:path(.*%.*)",
  ],
};
