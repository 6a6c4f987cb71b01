import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/alerts/channels/{id}
export const PATCH = route(endpoints.updateAlertChannel);
export const DELETE = route(endpoints.deleteAlertChannel);
