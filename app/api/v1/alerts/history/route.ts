import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/alerts/history
export const GET = route(endpoints.alertHistory);
