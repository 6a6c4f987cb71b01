import { ingestSpans } from "@/lib/ingest/native";
import { route } from "@/lib/http/route";
import { endpoints } from "@/lib/api/endpoints";

// POST /api/v1/spans — spans, native JSON
export const POST = route(endpoints.ingestSpans, ({ ctx, body }) => ingestSpans({ ctx, input: body }));
