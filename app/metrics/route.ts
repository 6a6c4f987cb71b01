import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// GET /metrics — Prometheus text exposition of the key's project, or without credentials of a project an admin made public
export const GET = route(endpoints.prometheusMetrics);
