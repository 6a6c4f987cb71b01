import { endpoints } from "@/lib/api/endpoints";
import { removeUser, updateUser } from "@/lib/auth/settings";
import { route } from "@/lib/http/route";

// /api/v1/users/{id}
export const PATCH = route(endpoints.updateUser, ({ ctx, params, body }) =>
  updateUser({ ctx, input: { id: params.id, body } }),
);
export const DELETE = route(endpoints.removeUser, ({ ctx, params }) => removeUser({ ctx, input: params }));
