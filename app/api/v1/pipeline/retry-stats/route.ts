import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/pipeline/retry-stats
export const GET = route(endpoints.retryStats);
