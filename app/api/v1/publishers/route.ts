import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /api/v1/publishers
export const GET = route(endpoints.listPublishers);
// POST /api/v1/publishers
export const POST = route(endpoints.createPublisher);
