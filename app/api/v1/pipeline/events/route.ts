import { ingestPipelineEvents } from "@/lib/ingest/native";
import { route } from "@/lib/http/route";

// POST /api/v1/pipeline/events — pipeline events, native JSON
export const POST = route({ scope: "ingest", body: "json" }, ({ ctx, body }) => ingestPipelineEvents({ ctx, input: body }));
