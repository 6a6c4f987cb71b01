import { ingestNetworkOps } from "@/lib/ingest/native";
import { route } from "@/lib/http/route";

// POST /api/v1/pipeline/network — network operations, native JSON
export const POST = route({ scope: "ingest", body: "json" }, ({ ctx, body }) => ingestNetworkOps({ ctx, input: body }));
