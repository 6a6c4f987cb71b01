import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/alerts/silences
export const GET = route(endpoints.listAlertSilences);
export const POST = route(endpoints.createAlertSilence);
