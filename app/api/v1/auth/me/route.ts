import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/auth/me
export const GET = route(endpoints.authMe);
