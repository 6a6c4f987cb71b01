import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// POST /api/v1/auth/password
export const POST = route(endpoints.authChangePassword);
