import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/events — search, newest first
export const GET = route(endpoints.searchEvents);
// POST /api/v1/events — events, native JSON
export const POST = route(endpoints.ingestEvents);
