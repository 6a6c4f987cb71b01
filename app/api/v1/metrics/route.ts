import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/metrics — metric names, types, units and tag keys
export const GET = route(endpoints.listMetrics);
// POST /api/v1/metrics — metrics, native JSON
export const POST = route(endpoints.ingestMetrics);
