import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/pipeline/events/[task_id]
export const GET = route(endpoints.getTask);
