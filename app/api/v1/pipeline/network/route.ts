import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/pipeline/network — search, newest first
export const GET = route(endpoints.listNetworkOps);
// POST /api/v1/pipeline/network — network operations, native JSON
export const POST = route(endpoints.ingestNetworkOps);
