import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { RangeParams, StepParam, buckets, resolveRange, type Buckets } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { isStuck, StuckThreshold } from "./events";
import { addHistograms, histogramQuantile } from "@/lib/storage/histogram";
import { planRollup } from "../rollup-plan";
import { bucketOf, bucketTime, tasksInRange } from "./range";
import { rolledPipeline } from "./rolled";

export const PipelineSummaryQuery = z.object({
  event_name: z.string().optional(),
  threshold_seconds: StuckThreshold,
  ...StepParam,
  ...RangeParams,
});

export const PipelineSummary = z
  .object({
    runs: z.number(),
    failed: z.number(),
    failure_rate: z.number().meta({ description: "failed / finished runs (0…1)" }),
    retried: z.number().meta({ description: "runs retried at least once" }),
    pending: z.number(),
    stuck: z.number().meta({ description: "pending longer than threshold_seconds" }),
    p50_ms: z.number().nullable(),
    p95_ms: z.number().nullable(),
    step_seconds: z.number(),
    series: z.array(z.object({ time: z.string(), runs: z.number(), failed: z.number(), retried: z.number() })),
    retry_distribution: z
      .array(z.object({ retry_count: z.number(), runs: z.number() }))
      .meta({ description: "how many runs were retried 0, 1, 2, … times" }),
  })
  .meta({ id: "PipelineSummary" });

type BucketCounts = { runs: number; failed: number; retried: number };

/** Every bucket of the range, empty ones as zeros. */
const seriesOf = (b: Buckets, byBucket: Map<number, BucketCounts>) =>
  Array.from({ length: b.count }, (_, bucket) => {
    const r = byBucket.get(bucket);
    return { time: bucketTime(b, bucket), runs: r?.runs ?? 0, failed: r?.failed ?? 0, retried: r?.retried ?? 0 };
  });

/** The Events page's tiles and charts: totals, runs and failures over time, and how often runs were retried. */
export async function pipelineSummary({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof PipelineSummaryQuery>;
}): Promise<z.output<typeof PipelineSummary>> {
  const range = resolveRange(input, ctx.now());
  const b = buckets(range, input.step_seconds);
  const where: SQL[] = [sql`project_id = ${ctx.projectId}`, tasksInRange(range)];
  if (input.event_name) where.push(sql`event_name = ${input.event_name}`);
  const filter = sql.join(where, sql` and `);
  const plan = await planRollup(ctx, "pipeline", range, { stepSeconds: b.step });
  if (plan) {
    const [rows, [stuck]] = await Promise.all([
      rolledPipeline(ctx, range, plan, { eventName: input.event_name, b }),
      // pending runs are few, and whether one is stuck depends on the clock: counted from raw rows
      queryRows<{ stuck: number }>(
        ctx.db,
        sql`select count(*)::float8 as stuck from pipeline_events where ${filter} and ${isStuck(ctx, input.threshold_seconds)}`,
      ),
    ]);
    let histogram: number[] = [];
    let retryRuns: number[] = [];
    const t = { runs: 0, failed: 0, finished: 0, retried: 0, pending: 0 };
    const byBucket = new Map<number, BucketCounts>();
    for (const r of rows) {
      const failed = r.status === "failed" ? r.runs : 0;
      t.runs += r.runs;
      t.failed += failed;
      t.retried += r.retried;
      if (r.status === "pending") t.pending += r.runs;
      else t.finished += r.runs;
      histogram = addHistograms(histogram, r.histogram);
      retryRuns = addHistograms(retryRuns, r.retry_runs);
      const bucket = byBucket.get(r.bucket) ?? { runs: 0, failed: 0, retried: 0 };
      byBucket.set(r.bucket, {
        runs: bucket.runs + r.runs,
        failed: bucket.failed + failed,
        retried: bucket.retried + r.retried,
      });
    }
    return {
      runs: t.runs,
      failed: t.failed,
      failure_rate: t.finished ? t.failed / t.finished : 0,
      retried: t.retried,
      pending: t.pending,
      stuck: stuck!.stuck,
      p50_ms: histogramQuantile(histogram, 0.5),
      p95_ms: histogramQuantile(histogram, 0.95),
      step_seconds: b.step,
      series: seriesOf(b, byBucket),
      // the rollups tell retry counts apart up to their last entry, which holds that count and more
      retry_distribution: retryRuns.flatMap((runs, retry_count) => (runs > 0 ? [{ retry_count, runs }] : [])),
    };
  }
  const [totals, series, distribution] = await Promise.all([
    queryRows<{
      runs: number;
      failed: number;
      finished: number;
      retried: number;
      pending: number;
      stuck: number;
      p50_ms: number | null;
      p95_ms: number | null;
    }>(
      ctx.db,
      sql`select count(*)::float8 as runs, (count(*) filter (where status = 'failed'))::float8 as failed,
            (count(*) filter (where status <> 'pending'))::float8 as finished,
            (count(*) filter (where retry_count > 0))::float8 as retried, (count(*) filter (where status = 'pending'))::float8 as pending,
            (count(*) filter (where ${isStuck(ctx, input.threshold_seconds)}))::float8 as stuck,
            percentile_cont(0.5) within group (order by duration_ms) as p50_ms, percentile_cont(0.95) within group (order by duration_ms) as p95_ms
          from pipeline_events where ${filter}`,
    ),
    queryRows<{ bucket: number; runs: number; failed: number; retried: number }>(
      ctx.db,
      sql`select ${bucketOf("start_time", b)} as bucket, count(*)::float8 as runs, (count(*) filter (where status = 'failed'))::float8 as failed,
            (count(*) filter (where retry_count > 0))::float8 as retried
          from pipeline_events where ${filter} group by 1`,
    ),
    queryRows<{ retry_count: number; runs: number }>(
      ctx.db,
      sql`select retry_count, count(*)::float8 as runs from pipeline_events where ${filter} group by retry_count order by retry_count`,
    ),
  ]);
  // an aggregate without GROUP BY answers one row, also over no rows
  const t = totals[0]!;
  const byBucket = new Map(series.map((r) => [r.bucket, r]));
  return {
    runs: t.runs,
    failed: t.failed,
    failure_rate: t.finished ? t.failed / t.finished : 0,
    retried: t.retried,
    pending: t.pending,
    stuck: t.stuck,
    p50_ms: t.p50_ms,
    p95_ms: t.p95_ms,
    step_seconds: b.step,
    series: seriesOf(b, byBucket),
    retry_distribution: distribution,
  };
}
