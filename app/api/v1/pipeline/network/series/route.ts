import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { networkSeries } from "@/lib/query/pipeline";

// GET /api/v1/pipeline/network/series
export const GET = route(endpoints.networkSeries, ({ ctx, query }) => networkSeries({ ctx, input: query }));
