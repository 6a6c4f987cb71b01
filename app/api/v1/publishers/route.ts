import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { createPublisher } from "@/lib/publishers/manage";
import { listPublishers } from "@/lib/query/publishers";

// GET /api/v1/publishers
export const GET = route(endpoints.listPublishers, ({ ctx }) => listPublishers({ ctx }));

// POST /api/v1/publishers
export const POST = route(endpoints.createPublisher, ({ ctx, body }) => createPublisher({ ctx, input: body }));
