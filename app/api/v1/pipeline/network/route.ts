import { listNetworkOps } from "@/lib/query/pipeline";
import { ingestNetworkOps } from "@/lib/ingest/native";
import { route } from "@/lib/http/route";
import { endpoints } from "@/lib/api/endpoints";

// POST /api/v1/pipeline/network — network operations, native JSON
export const POST = route(endpoints.ingestNetworkOps, ({ ctx, body }) => ingestNetworkOps({ ctx, input: body }));

// GET /api/v1/pipeline/network — search, newest first
export const GET = route(endpoints.listNetworkOps, ({ ctx, query }) => listNetworkOps({ ctx, input: query }));
