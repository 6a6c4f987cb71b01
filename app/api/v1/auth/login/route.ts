import { endpoints } from "@/lib/api/endpoints";
import { loginRequest } from "@/lib/auth/session-api";
import { publicRoute } from "@/lib/http/route";

// POST /api/v1/auth/login
export const POST = publicRoute(endpoints.authLogin, loginRequest);
