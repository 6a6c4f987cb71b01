import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/retention — how long each signal is kept
export const GET = route(endpoints.getRetention);
export const PATCH = route(endpoints.updateRetention);
