import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/alerts/silences/{id}
export const DELETE = route(endpoints.endAlertSilence);
