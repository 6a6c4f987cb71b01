import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { listPublishers } from "@/lib/query/publishers";

// GET /api/v1/publishers
export const GET = route(endpoints.listPublishers, ({ ctx }) => listPublishers({ ctx }));
