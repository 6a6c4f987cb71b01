import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { searchTraces } from "@/lib/query/traces";

// GET /api/v1/traces
export const GET = route(endpoints.searchTraces, ({ ctx, query }) => searchTraces({ ctx, input: query }));
