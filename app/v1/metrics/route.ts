import { otlpRoute } from "@/lib/http/otlp";

// POST /v1/metrics — OTLP/HTTP, protobuf or JSON
export const POST = otlpRoute("metrics");
