import { openApiDocument } from "@/lib/api/openapi";

// GET /api/v1/openapi.json — the API described (no credentials)
export function GET(): Response {
  return Response.json(openApiDocument());
}
