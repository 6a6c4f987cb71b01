import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/traces/[trace_id]/outline
export const GET = route(endpoints.getTraceOutline);
