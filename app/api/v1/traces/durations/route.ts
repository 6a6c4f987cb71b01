import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/traces/durations
export const GET = route(endpoints.traceDurations);
