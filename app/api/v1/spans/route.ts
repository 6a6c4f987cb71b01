import { ingestSpans } from "@/lib/ingest/native";
import { route } from "@/lib/http/route";

// POST /api/v1/spans — spans, native JSON
export const POST = route({ scope: "ingest", body: "json" }, ({ ctx, body }) => ingestSpans({ ctx, input: body }));
