import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/alerts/channels/{id}/test
export const POST = route(endpoints.testAlertChannel);
