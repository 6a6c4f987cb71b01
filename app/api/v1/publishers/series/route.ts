import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { publisherSeries } from "@/lib/query/publishers";

// GET /api/v1/publishers/series
export const GET = route(endpoints.publisherSeries, ({ ctx, query }) => publisherSeries({ ctx, input: query }));
