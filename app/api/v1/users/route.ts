import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// /api/v1/users — accounts
export const GET = route(endpoints.listUsers);
export const POST = route(endpoints.createUser);
