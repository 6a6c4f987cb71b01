import { endpoints } from "@/lib/api/endpoints";
import { createProjectKey, listProjectKeys } from "@/lib/auth/settings";
import { route } from "@/lib/http/route";

// /api/v1/keys — the current project's API keys
export const GET = route(endpoints.listKeys, ({ ctx }) => listProjectKeys({ ctx }));
export const POST = route(endpoints.createKey, ({ ctx, body }) => createProjectKey({ ctx, input: body }));
