import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// POST /api/v1/spans — spans, native JSON
export const POST = route(endpoints.ingestSpans);
