import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { listSlowEvents } from "@/lib/query/pipeline";

// GET /api/v1/pipeline/events/slow
export const GET = route(endpoints.listSlowEvents, ({ ctx, query }) => listSlowEvents({ ctx, input: query }));
