import { endpoints } from "@/lib/api/endpoints";
import { renameProject } from "@/lib/auth/settings";
import { route } from "@/lib/http/route";

// /api/v1/projects/{slug}
export const PATCH = route(endpoints.renameProject, ({ ctx, params, body }) => renameProject({ ctx, input: { slug: params.slug, body } }));
