import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// POST /api/v2/spans — Zipkin v2 JSON; 202 Accepted, as Zipkin answers
export const POST = route(endpoints.ingestZipkin);
