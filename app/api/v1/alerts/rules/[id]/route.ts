import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/alerts/rules/{id}
export const GET = route(endpoints.getAlertRule);
export const PATCH = route(endpoints.updateAlertRule);
export const DELETE = route(endpoints.deleteAlertRule);
