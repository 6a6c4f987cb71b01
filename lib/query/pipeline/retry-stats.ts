import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { RangeParams, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { histogramQuantile, addHistograms } from "@/lib/storage/histogram";
import { planRollup } from "../rollup-plan";
import { tasksInRange } from "./range";
import { rolledPipeline } from "./rolled";

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

type EventNameRow = {
  event_name: string;
  runs: number;
  failures: number;
  retried: number;
  retries: number;
  max_retries: number;
  p50_ms: number | null;
  p95_ms: number | null;
};

/** Rolled-up rows per event name and status as one row per event name. */
function byEventName(rows: Awaited<ReturnType<typeof rolledPipeline>>): EventNameRow[] {
  const out = new Map<string, Omit<EventNameRow, "p50_ms" | "p95_ms"> & { histogram: number[] }>();
  for (const r of rows) {
    let e = out.get(r.event_name);
    if (!e) {
      e = { event_name: r.event_name, runs: 0, failures: 0, retried: 0, retries: 0, max_retries: 0, histogram: [] };
      out.set(r.event_name, e);
    }
    e.runs += r.runs;
    if (r.status === "failed") e.failures += r.runs;
    e.retried += r.retried;
    e.retries += r.retries;
    e.max_retries = Math.max(e.max_retries, r.max_retries);
    e.histogram = addHistograms(e.histogram, r.histogram);
  }
  return [...out.values()].map(({ histogram, ...e }) => ({
    ...e,
    p50_ms: histogramQuantile(histogram, 0.5),
    p95_ms: histogramQuantile(histogram, 0.95),
  }));
}

export async function retryStats({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof RetryStatsQuery>;
}): Promise<z.output<typeof RetryStats>> {
  const range = resolveRange(input, ctx.now());
  const plan = await planRollup(ctx, "pipeline", range);
  const rows = plan
    ? byEventName(await rolledPipeline(ctx, range, plan, {}))
    : await queryRows<EventNameRow>(
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
