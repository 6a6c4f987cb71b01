import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { getTask } from "@/lib/query/pipeline";

// GET /api/v1/pipeline/events/[task_id]
export const GET = route(endpoints.getTask, ({ ctx, params }) => getTask({ ctx, input: params }));
