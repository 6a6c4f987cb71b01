import { ingestLogs } from "@/lib/ingest/native";
import { route } from "@/lib/http/route";

// POST /api/v1/logs — logs, native JSON
export const POST = route({ scope: "ingest", body: "json" }, ({ ctx, body }) => ingestLogs({ ctx, input: body }));
