import { searchLogs } from "@/lib/query/logs";
import { ingestLogs } from "@/lib/ingest/native";
import { route } from "@/lib/http/route";
import { endpoints } from "@/lib/api/endpoints";

// POST /api/v1/logs — logs, native JSON
export const POST = route(endpoints.ingestLogs, ({ ctx, body }) => ingestLogs({ ctx, input: body }));

// GET /api/v1/logs — search, newest first
export const GET = route(endpoints.searchLogs, ({ ctx, query }) => searchLogs({ ctx, input: query }));
