import { ingestMetrics } from "@/lib/ingest/native";
import { route } from "@/lib/http/route";

// POST /api/v1/metrics — metrics, native JSON
export const POST = route({ scope: "ingest", body: "json" }, ({ ctx, body }) => ingestMetrics({ ctx, input: body }));
