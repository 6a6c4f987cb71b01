import { endpoints } from "@/lib/api/endpoints";
import { logoutRequest } from "@/lib/auth/session-api";
import { publicRoute } from "@/lib/http/route";

// POST /api/v1/auth/logout
export const POST = publicRoute(endpoints.authLogout, logoutRequest);
