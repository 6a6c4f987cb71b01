import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// POST /api/v1/auth/logout
export const POST = route(endpoints.authLogout);
