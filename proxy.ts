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

// only the routes with path parameters: ingest paths stay free of the extra step
export const config = {
  matcher: [
    "/api/v1/traces/:path+",
    "/api/v1/services/:path+",
    "/api/v1/pipeline/events/:path+",
    "/api/v1/projects/:path+",
    "/api/v1/keys/:path+",
    "/api/v1/users/:path+",
    "/api/v1/publishers/:path+",
    // the dashboard's pages with a path parameter
    "/traces/:path+",
    "/services/:path+",
    "/events/:path+",
  ],
};
