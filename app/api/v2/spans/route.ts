import { ingestZipkinSpans } from "@/lib/ingest/zipkin";
import { route } from "@/lib/http/route";

// POST /api/v2/spans — Zipkin v2 JSON; 202 Accepted, as Zipkin answers
export const POST = route({ scope: "ingest", body: "json" }, async ({ ctx, body }) =>
  Response.json(await ingestZipkinSpans({ ctx, input: body }), { status: 202 }),
);
