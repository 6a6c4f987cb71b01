import { endpoints } from "@/lib/api/endpoints";
import { updateProject } from "@/lib/auth/settings";
import { route } from "@/lib/http/route";

// /api/v1/projects/{slug}
export const PATCH = route(endpoints.updateProject, ({ ctx, params, body }) =>
  updateProject({ ctx, input: { slug: params.slug, body } }),
);
