import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { listServices } from "@/lib/query/services";

// GET /api/v1/services
export const GET = route(endpoints.listServices, ({ ctx, query }) => listServices({ ctx, input: query }));
