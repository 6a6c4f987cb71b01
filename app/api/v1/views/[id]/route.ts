import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/views/{id}
export const PATCH = route(endpoints.renameView);
export const DELETE = route(endpoints.deleteView);
