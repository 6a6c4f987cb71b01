import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { queryMetric } from "@/lib/query/metrics";

// GET /api/v1/metrics/query
export const GET = route(endpoints.queryMetric, ({ ctx, query }) => queryMetric({ ctx, input: query }));
