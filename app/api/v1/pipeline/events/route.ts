import { listPipelineEvents } from "@/lib/query/pipeline";
import { ingestPipelineEvents } from "@/lib/ingest/native";
import { route } from "@/lib/http/route";
import { endpoints } from "@/lib/api/endpoints";

// POST /api/v1/pipeline/events — pipeline events, native JSON
export const POST = route(endpoints.ingestPipelineEvents, ({ ctx, body }) =>
  ingestPipelineEvents({ ctx, input: body }),
);

// GET /api/v1/pipeline/events — search, newest first
export const GET = route(endpoints.listPipelineEvents, ({ ctx, query }) => listPipelineEvents({ ctx, input: query }));
