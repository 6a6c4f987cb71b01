import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { serviceSeries } from "@/lib/query/services";

// GET /api/v1/services/series
export const GET = route(endpoints.serviceSeries, ({ ctx, query }) => serviceSeries({ ctx, input: query }));
