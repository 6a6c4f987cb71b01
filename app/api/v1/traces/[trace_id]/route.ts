import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { getTrace } from "@/lib/query/traces";

// GET /api/v1/traces/[trace_id]
export const GET = route(endpoints.getTrace, ({ ctx, params }) => getTrace({ ctx, input: params }));
