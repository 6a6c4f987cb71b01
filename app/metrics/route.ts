import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { EXPOSITION_CONTENT_TYPE, renderExposition } from "@/lib/query/exposition";

// GET /metrics — Prometheus text exposition of the key's project, or without credentials of a project an admin made public
export const GET = route(
  endpoints.prometheusMetrics,
  async ({ ctx }) =>
    new Response(await renderExposition({ ctx }), { headers: { "content-type": EXPOSITION_CONTENT_TYPE } }),
);
