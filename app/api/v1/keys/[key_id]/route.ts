import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/keys/{key_id}
export const DELETE = route(endpoints.revokeKey);
