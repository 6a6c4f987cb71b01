import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/services/map
export const GET = route(endpoints.serviceMap);
