import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/keys — the current project's API keys
export const GET = route(endpoints.listKeys);
export const POST = route(endpoints.createKey);
