import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { listSlowNetworkOps } from "@/lib/query/pipeline";

// GET /api/v1/pipeline/network/slow
export const GET = route(endpoints.listSlowNetworkOps, ({ ctx, query }) => listSlowNetworkOps({ ctx, input: query }));
