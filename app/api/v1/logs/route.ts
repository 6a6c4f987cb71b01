import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/logs — search, newest first
export const GET = route(endpoints.searchLogs);
// POST /api/v1/logs — logs, native JSON
export const POST = route(endpoints.ingestLogs);
