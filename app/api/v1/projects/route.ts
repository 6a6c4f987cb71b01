import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/projects
export const GET = route(endpoints.listProjects);
export const POST = route(endpoints.createProject);
