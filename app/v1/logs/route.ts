import { otlpRoute } from "@/lib/http/otlp";

// POST /v1/logs — OTLP/HTTP, protobuf or JSON
export const POST = otlpRoute("logs");
