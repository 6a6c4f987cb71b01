import { sql } from "drizzle-orm";
import { queryRows } from "@/db";
import type { Buckets, Range } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import {
  addHistograms,
  histogramOf,
  histogramOfBuckets,
  histogramQuantile,
  sumHistograms,
} from "@/lib/storage/histogram";
import { RETRY_RUNS_SIZE } from "@/lib/storage/rollups";
import { rawTimes, rollupBucketOf, type RollupPlan } from "../rollup-plan";
import { bucketOf, inRange, tasksInRange } from "./range";

// Pipeline and network questions over wide ranges, from the rollups a plan names and the raw rows
// of its other intervals (lib/query/rollup-plan.ts), summed per group and, with buckets, per bucket.

const rawBucket = (b: Buckets | undefined) => (b ? bucketOf("start_time", b) : sql`0`);

export type PipelineGroupRow = {
  event_name: string;
  status: "pending" | "completed" | "failed";
  bucket: number;
  runs: number;
  retried: number;
  retries: number;
  max_retries: number;
  /** runs per retry count, the last entry those retried that often or more */
  retry_runs: number[];
  /** finished runs' durations (lib/storage/histogram.ts) */
  histogram: number[];
  duration_sum_ms: number;
};

/** Runs per event name and status (and bucket, with `b`) over the range. */
export function rolledPipeline(
  ctx: Pick<Ctx, "db" | "projectId">,
  range: Range,
  plan: RollupPlan,
  { eventName, b }: { eventName?: string; b?: Buckets },
): Promise<PipelineGroupRow[]> {
  const only = eventName === undefined ? sql`` : sql`and event_name = ${eventName}`;
  return queryRows<PipelineGroupRow>(
    ctx.db,
    sql`with parts as (
          select event_name, status, ${rollupBucketOf(b)} as bucket, runs::float8 as runs, retried::float8 as retried,
            retries::float8 as retries, max_retries::float8 as max_retries, retry_runs::float8[] as r, histogram::float8[] as h,
            duration_sum_ms
          from pipeline_rollups where project_id = ${ctx.projectId} ${only} and ${plan.rollup}
          union all
          select event_name, status, ${rawBucket(b)}, count(*)::float8, (count(*) filter (where retry_count > 0))::float8,
            coalesce(sum(retry_count), 0)::float8, coalesce(max(retry_count), 0)::float8,
            ${histogramOfBuckets(sql`least(retry_count, ${sql.raw(String(RETRY_RUNS_SIZE - 1))})`, RETRY_RUNS_SIZE)}::float8[],
            ${histogramOf(sql`duration_ms`)}::float8[], coalesce(sum(duration_ms), 0)
          from pipeline_events
          where project_id = ${ctx.projectId} ${only} and ${tasksInRange(range)} and ${rawTimes("start_time", plan.raw)}
          group by 1, 2, 3
        )
        select event_name, status, bucket, sum(runs) as runs, sum(retried) as retried, sum(retries) as retries,
          max(max_retries) as max_retries, ${sumHistograms(sql`r`, RETRY_RUNS_SIZE)} as retry_runs,
          ${sumHistograms(sql`h`)} as histogram, sum(duration_sum_ms) as duration_sum_ms
        from parts group by event_name, status, bucket order by event_name, status, bucket`,
  );
}

export type NetworkGroupRow = {
  host: string;
  port: number;
  operation: string;
  bucket: number;
  operations: number;
  errors: number;
  bytes_sent: number;
  bytes_received: number;
  latency_sum_ms: number;
  /** finished operations' latencies (lib/storage/histogram.ts) */
  histogram: number[];
};

/** Operations per host:port and operation (and bucket, with `b`) over the range. */
export function rolledNetwork(
  ctx: Pick<Ctx, "db" | "projectId">,
  range: Range,
  plan: RollupPlan,
  { host, b, limit }: { host?: string; b?: Buckets; limit?: number },
): Promise<NetworkGroupRow[]> {
  const only = host === undefined ? sql`` : sql`and host = ${host}`;
  return queryRows<NetworkGroupRow>(
    ctx.db,
    sql`with parts as (
          select host, port, operation, ${rollupBucketOf(b)} as bucket, operations::float8 as operations, errors::float8 as errors,
            bytes_sent::float8 as bytes_sent, bytes_received::float8 as bytes_received, latency_sum_ms, histogram::float8[] as h
          from network_rollups where project_id = ${ctx.projectId} ${only} and ${plan.rollup}
          union all
          select host, port, operation, ${rawBucket(b)}, count(*)::float8, (count(*) filter (where error is not null))::float8,
            coalesce(sum(bytes_sent), 0)::float8, coalesce(sum(bytes_received), 0)::float8, coalesce(sum(latency_ms), 0),
            ${histogramOf(sql`latency_ms`)}::float8[]
          from network_ops
          where project_id = ${ctx.projectId} ${only}
            and ${inRange("start_time", range)} and ${rawTimes("start_time", plan.raw)}
          group by 1, 2, 3, 4
        )
        select host, port, operation, bucket, sum(operations) as operations, sum(errors) as errors,
          sum(bytes_sent) as bytes_sent, sum(bytes_received) as bytes_received, sum(latency_sum_ms) as latency_sum_ms,
          ${sumHistograms(sql`h`)} as histogram
        from parts group by host, port, operation, bucket order by host, port, operation, bucket
        ${limit === undefined ? sql`` : sql`limit ${limit}`}`,
  );
}

/** Network totals of one host:port in one bucket. */
export type HostPortRow = Omit<NetworkGroupRow, "operation" | "latency_sum_ms" | "histogram"> & {
  p50_ms: number | null;
  p95_ms: number | null;
};

/** Rolled-up rows summed per host:port and bucket (the operations of a host added together). */
export function perHostPort(rows: NetworkGroupRow[]): HostPortRow[] {
  const out = new Map<string, Omit<HostPortRow, "p50_ms" | "p95_ms"> & { histogram: number[] }>();
  for (const r of rows) {
    const key = `${r.host}\u0000${r.port}\u0000${r.bucket}`;
    const row = out.get(key) ?? {
      host: r.host,
      port: r.port,
      bucket: r.bucket,
      operations: 0,
      errors: 0,
      bytes_sent: 0,
      bytes_received: 0,
      histogram: [],
    };
    row.operations += r.operations;
    row.errors += r.errors;
    row.bytes_sent += r.bytes_sent;
    row.bytes_received += r.bytes_received;
    row.histogram = addHistograms(row.histogram, r.histogram);
    out.set(key, row);
  }
  return [...out.values()].map(({ histogram, ...r }) => ({
    ...r,
    p50_ms: histogramQuantile(histogram, 0.5),
    p95_ms: histogramQuantile(histogram, 0.95),
  }));
}
