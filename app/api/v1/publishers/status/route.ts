import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// POST /api/v1/publishers/status — SDK publisher heartbeats
export const POST = route(endpoints.ingestPublisherStatus);
