import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { retryStats } from "@/lib/query/pipeline";

// GET /api/v1/pipeline/retry-stats
export const GET = route(endpoints.retryStats, ({ ctx, query }) => retryStats({ ctx, input: query }));
