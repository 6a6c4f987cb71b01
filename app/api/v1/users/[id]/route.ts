import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/users/{id}
export const PATCH = route(endpoints.updateUser);
export const DELETE = route(endpoints.removeUser);
