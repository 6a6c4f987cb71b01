import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { ingestPublisherStatus } from "@/lib/publishers/manage";

// POST /api/v1/publishers/status — SDK publisher heartbeats
export const POST = route(endpoints.ingestPublisherStatus, ({ ctx, body }) =>
  ingestPublisherStatus({ ctx, input: body }),
);
