import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";
import { projectStats } from "@/lib/query/overview";

// GET /api/v1/stats
export const GET = route(endpoints.projectStats, ({ ctx }) => projectStats({ ctx }));
