import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// PATCH /api/v1/publishers/{id}
export const PATCH = route(endpoints.updatePublisher);
