import { endpoints } from "@/lib/api/endpoints";
import { meRequest } from "@/lib/auth/session-api";
import { publicRoute } from "@/lib/http/route";

// GET /api/v1/auth/me
export const GET = publicRoute(endpoints.authMe, meRequest);
