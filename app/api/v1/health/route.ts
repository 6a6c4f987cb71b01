import { checkHealth } from "@/lib/query/health";

export const dynamic = "force-dynamic";

// GET /api/v1/health — no auth; 503 while the database is unreachable
export async function GET(): Promise<Response> {
  const health = await checkHealth();
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
}
