import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { RangeParams, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { tasksInRange } from "./range";

export const RetryStatsQuery = z.object({ ...RangeParams });
const EventNameStats = z.object({
  event_name: z.string(),
  runs: z.number(),
  failures: z.number(),
  retries: z.number(),
  p50_ms: z.number().nullable(),
  p95_ms: z.number().nullable(),
});
export const RetryStats = z
  .object({
    total_events: z.number(),
    events_retried: z.number(),
    total_retries: z.number(),
    retry_rate: z.number().meta({ description: "events retried / total events (0…1)" }),
    max_retries: z.number(),
    by_event_name: z.array(EventNameStats),
  })
  .meta({ id: "RetryStats" });

export async function retryStats({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof RetryStatsQuery>;
}): Promise<z.output<typeof RetryStats>> {
  const range = resolveRange(input, ctx.now());
  const rows = await queryRows<{
    event_name: string;
    runs: number;
    failures: number;
    retried: number;
    retries: number;
    max_retries: number;
    p50_ms: number | null;
    p95_ms: number | null;
  }>(
    ctx.db,
    sql`select event_name,
          count(*)::float8 as runs,
          (count(*) filter (where status = 'failed'))::float8 as failures,
          (count(*) filter (where retry_count > 0))::float8 as retried,
          coalesce(sum(retry_count), 0)::float8 as retries,
          coalesce(max(retry_count), 0)::float8 as max_retries,
          percentile_cont(0.5) within group (order by duration_ms) as p50_ms,
          percentile_cont(0.95) within group (order by duration_ms) as p95_ms
        from pipeline_events
        where project_id = ${ctx.projectId} and ${tasksInRange(range)}
        group by event_name
        order by event_name`,
  );
  const total = rows.reduce((n, r) => n + r.runs, 0);
  const retried = rows.reduce((n, r) => n + r.retried, 0);
  return {
    total_events: total,
    events_retried: retried,
    total_retries: rows.reduce((n, r) => n + r.retries, 0),
    retry_rate: total ? retried / total : 0,
    max_retries: rows.reduce((n, r) => Math.max(n, r.max_retries), 0),
    by_event_name: rows.map((r) => ({
      event_name: r.event_name,
      runs: r.runs,
      failures: r.failures,
      retries: r.retries,
      p50_ms: r.p50_ms,
      p95_ms: r.p95_ms,
    })),
  };
}
