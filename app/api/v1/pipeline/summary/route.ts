import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { pipelineSummary } from "@/lib/query/pipeline";

// GET /api/v1/pipeline/summary
export const GET = route(endpoints.pipelineSummary, ({ ctx, query }) => pipelineSummary({ ctx, input: query }));
