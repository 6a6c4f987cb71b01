import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { listOperations } from "@/lib/query/services";

// GET /api/v1/services/[name]/operations
export const GET = route(endpoints.listOperations, ({ ctx, query, params }) =>
  listOperations({ ctx, input: { ...query, ...params } }),
);
