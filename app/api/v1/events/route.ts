import { searchEvents } from "@/lib/query/logs";
import { ingestEvents } from "@/lib/ingest/native";
import { route } from "@/lib/http/route";
import { endpoints } from "@/lib/api/endpoints";

// POST /api/v1/events — events, native JSON
export const POST = route(endpoints.ingestEvents, ({ ctx, body }) => ingestEvents({ ctx, input: body }));

// GET /api/v1/events — search, newest first
export const GET = route(endpoints.searchEvents, ({ ctx, query }) => searchEvents({ ctx, input: query }));
