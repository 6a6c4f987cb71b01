import { ingestZipkinSpans } from "@/lib/ingest/zipkin";
import { route } from "@/lib/http/route";
import { endpoints } from "@/lib/api/endpoints";

// POST /api/v2/spans — Zipkin v2 JSON; 202 Accepted, as Zipkin answers
export const POST = route(endpoints.ingestZipkin, ({ ctx, body }) => ingestZipkinSpans({ ctx, input: body }));
