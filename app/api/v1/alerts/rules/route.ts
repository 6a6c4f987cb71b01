import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/alerts/rules
export const GET = route(endpoints.listAlertRules);
export const POST = route(endpoints.createAlertRule);
