import { endpoints } from "@/lib/api/endpoints";
import { setupRequest } from "@/lib/auth/session-api";
import { publicRoute } from "@/lib/http/route";

// POST /api/v1/auth/setup
export const POST = publicRoute(endpoints.authSetup, setupRequest);
