import { endpoints } from "@/lib/api/endpoints";
import { revokeProjectKey } from "@/lib/auth/settings";
import { route } from "@/lib/http/route";

// /api/v1/keys/{key_id}
export const DELETE = route(endpoints.revokeKey, ({ ctx, params }) => revokeProjectKey({ ctx, input: params }));
