import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/projects/{slug}
export const PATCH = route(endpoints.updateProject);
