import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/views
export const GET = route(endpoints.listViews);
export const POST = route(endpoints.createView);
