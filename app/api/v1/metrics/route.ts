import { listMetrics } from "@/lib/query/metrics";
import { ingestMetrics } from "@/lib/ingest/native";
import { route } from "@/lib/http/route";
import { endpoints } from "@/lib/api/endpoints";

// POST /api/v1/metrics — metrics, native JSON
export const POST = route(endpoints.ingestMetrics, ({ ctx, body }) => ingestMetrics({ ctx, input: body }));

// GET /api/v1/metrics — metric names, types, units and tag keys
export const GET = route(endpoints.listMetrics, ({ ctx, query }) => listMetrics({ ctx, input: query }));
