import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/alerts/channels
export const GET = route(endpoints.listAlertChannels);
export const POST = route(endpoints.createAlertChannel);
