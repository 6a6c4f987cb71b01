import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { networkHosts } from "@/lib/query/pipeline";

// GET /api/v1/pipeline/network/hosts
export const GET = route(endpoints.networkHosts, ({ ctx, query }) => networkHosts({ ctx, input: query }));
