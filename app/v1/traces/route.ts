import { otlpRoute } from "@/lib/http/otlp";

// POST /v1/traces — OTLP/HTTP, protobuf or JSON
export const POST = otlpRoute("traces");
