import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/pipeline/events — search, newest first
export const GET = route(endpoints.listPipelineEvents);
// POST /api/v1/pipeline/events — pipeline events, native JSON
export const POST = route(endpoints.ingestPipelineEvents);
