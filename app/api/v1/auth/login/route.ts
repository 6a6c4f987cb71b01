import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// POST /api/v1/auth/login
export const POST = route(endpoints.authLogin);
