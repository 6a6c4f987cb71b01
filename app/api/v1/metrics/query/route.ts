import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/metrics/query
export const GET = route(endpoints.queryMetric);
