import { ingestEvents } from "@/lib/ingest/native";
import { route } from "@/lib/http/route";

// POST /api/v1/events — events, native JSON
export const POST = route({ scope: "ingest", body: "json" }, ({ ctx, body }) => ingestEvents({ ctx, input: body }));
