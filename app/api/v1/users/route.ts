import { endpoints } from "@/lib/api/endpoints";
import { createUser, listUsers } from "@/lib/auth/settings";
import { route } from "@/lib/http/route";

// /api/v1/users — accounts
export const GET = route(endpoints.listUsers, ({ ctx }) => listUsers({ ctx }));
export const POST = route(endpoints.createUser, ({ ctx, body }) => createUser({ ctx, input: body }));
