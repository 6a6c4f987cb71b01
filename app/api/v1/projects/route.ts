import { endpoints } from "@/lib/api/endpoints";
import { createProject, listProjects } from "@/lib/auth/settings";
import { route } from "@/lib/http/route";

// /api/v1/projects
export const GET = route(endpoints.listProjects, ({ ctx }) => listProjects({ ctx }));
export const POST = route(endpoints.createProject, ({ ctx, body }) => createProject({ ctx, input: body }));
