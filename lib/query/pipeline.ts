import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import {
  PageParams,
  RangeParams,
  StepParam,
  buckets,
  decodeCursor,
  page,
  resolveRange,
  type Buckets,
  type Range,
} from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { ApiError } from "@/lib/errors";
import { dateToNanos, nanosToIso } from "@/lib/model/time";
import { containsPattern, isoTime, nanosToTimestamp, num, type Int8 } from "./sql";

// The pipeline telemetry model's queries (failed and slow events, a task's record, retry
// statistics, failed and slow network operations, totals per host:port) over the stored data.

export const PipelineEventView = z
  .object({
    task_id: z.string(),
    event_name: z.string(),
    status: z.enum(["pending", "completed", "failed"]),
    start_time: z.string(),
    end_time: z.string().nullable(),
    duration_ms: z.number().nullable(),
    error: z.string().nullable(),
    retry_count: z.number(),
    process_id: z.number().nullable(),
    attributes: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "PipelineEvent" });

const eventColumns = sql`task_id, event_name, status, ${isoTime(sql`start_time`)} as start_time,
  ${isoTime(sql`end_time`)} as end_time, duration_ms, error, retry_count, process_id, attributes,
  extract(epoch from start_time)::float8 * 1e6 as start_us`;

/** What `eventColumns` reads: the answer's fields, and the start in µs for cursors. */
type EventRow = z.output<typeof PipelineEventView> & { start_us: number };

const eventView = (r: EventRow): z.output<typeof PipelineEventView> => ({
  task_id: r.task_id,
  event_name: r.event_name,
  status: r.status,
  start_time: r.start_time,
  end_time: r.end_time,
  duration_ms: r.duration_ms,
  error: r.error,
  retry_count: r.retry_count,
  process_id: r.process_id,
  attributes: r.attributes,
});

const inRange = (column: string, range: Range) =>
  sql`${sql.raw(column)} >= ${nanosToTimestamp(range.from)} and ${sql.raw(column)} <= ${nanosToTimestamp(range.to)}`;

export const PipelineEventsQuery = z.object({
  status: z.enum(["pending", "completed", "failed"]).optional(),
  event_name: z.string().optional(),
  error: z.string().optional().meta({ description: "text the error contains (case-insensitive)" }),
  ...RangeParams,
  ...PageParams,
});
export const PipelineEventsResult = z.object({
  events: z.array(PipelineEventView),
  next_cursor: z.string().nullable(),
});

/** Task executions started in the range, newest first (`status=failed` for failed events). */
export async function listPipelineEvents({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof PipelineEventsQuery>;
}): Promise<z.output<typeof PipelineEventsResult>> {
  const range = resolveRange(input, ctx.now());
  const where: SQL[] = [sql`project_id = ${ctx.projectId}`, inRange("start_time", range)];
  if (input.status) where.push(sql`status = ${input.status}`);
  if (input.event_name) where.push(sql`event_name = ${input.event_name}`);
  if (input.error) where.push(sql`error ilike ${containsPattern(input.error)}`);
  const after = decodeCursor(input.cursor, ["number", "string"]);
  if (after)
    where.push(sql`(extract(epoch from start_time)::float8 * 1e6, task_id) < (${after[0]}::float8, ${after[1]})`);
  const rows = await queryRows<EventRow>(
    ctx.db,
    sql`select ${eventColumns} from pipeline_events where ${sql.join(where, sql` and `)}
        order by start_time desc, task_id desc limit ${input.limit + 1}`,
  );
  const { items, next_cursor } = page(rows, input.limit, (r) => [r.start_us, r.task_id]);
  return { events: items.map(eventView), next_cursor };
}

export const SlowQuery = z.object({
  threshold_seconds: z.coerce.number().min(0).default(1),
  event_name: z.string().optional(),
  ...RangeParams,
  ...PageParams,
});

/** Events that took longer than the threshold, slowest first. */
export async function listSlowEvents({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof SlowQuery>;
}): Promise<z.output<typeof PipelineEventsResult>> {
  const range = resolveRange(input, ctx.now());
  const where: SQL[] = [
    sql`project_id = ${ctx.projectId}`,
    inRange("start_time", range),
    sql`duration_ms > ${input.threshold_seconds * 1000}`,
  ];
  if (input.event_name) where.push(sql`event_name = ${input.event_name}`);
  const after = decodeCursor(input.cursor, ["number", "string"]);
  if (after) where.push(sql`(duration_ms, task_id) < (${after[0]}::float8, ${after[1]})`);
  const rows = await queryRows<EventRow>(
    ctx.db,
    sql`select ${eventColumns} from pipeline_events where ${sql.join(where, sql` and `)}
        order by duration_ms desc, task_id desc limit ${input.limit + 1}`,
  );
  // every row has a duration: the threshold leaves out the pending ones
  const { items, next_cursor } = page(rows, input.limit, (r) => [r.duration_ms ?? 0, r.task_id]);
  return { events: items.map(eventView), next_cursor };
}

export const TaskParams = z.object({ task_id: z.string().min(1) });

export async function getTask({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof TaskParams>;
}): Promise<z.output<typeof PipelineEventView>> {
  const [row] = await queryRows<EventRow>(
    ctx.db,
    sql`select ${eventColumns} from pipeline_events where project_id = ${ctx.projectId} and task_id = ${input.task_id}`,
  );
  if (!row) throw new ApiError("not_found", `no task ${input.task_id}`);
  return eventView(row);
}

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
        where project_id = ${ctx.projectId} and ${inRange("start_time", range)}
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

export const NetworkOpView = z
  .object({
    id: z.string(),
    task_id: z.string(),
    host: z.string(),
    port: z.number(),
    operation: z.string(),
    start_time: z.string(),
    end_time: z.string().nullable(),
    latency_ms: z.number().nullable(),
    bytes_sent: z.number(),
    bytes_received: z.number(),
    error: z.string().nullable(),
  })
  .meta({ id: "NetworkOperation" });

const networkColumns = sql`id, task_id, host, port, operation, ${isoTime(sql`start_time`)} as start_time,
  ${isoTime(sql`end_time`)} as end_time, latency_ms, bytes_sent, bytes_received, error,
  extract(epoch from start_time)::float8 * 1e6 as start_us`;

/** What `networkColumns` reads: the answer's fields with the byte counts as stored, and the start in µs for cursors. */
type NetworkRow = Omit<z.output<typeof NetworkOpView>, "bytes_sent" | "bytes_received"> & {
  bytes_sent: Int8;
  bytes_received: Int8;
  start_us: number;
};

const networkView = (r: NetworkRow): z.output<typeof NetworkOpView> => ({
  id: r.id,
  task_id: r.task_id,
  host: r.host,
  port: r.port,
  operation: r.operation,
  start_time: r.start_time,
  end_time: r.end_time,
  latency_ms: r.latency_ms,
  bytes_sent: num(r.bytes_sent),
  bytes_received: num(r.bytes_received),
  error: r.error,
});

const Bool = z.enum(["true", "false"]).transform((v) => v === "true");

export const NetworkQuery = z.object({
  failed: Bool.optional().meta({ description: "true: only operations that failed" }),
  host: z.string().optional(),
  task_id: z.string().optional().meta({ description: "the operations of one task" }),
  ...RangeParams,
  ...PageParams,
});
export const NetworkResult = z.object({ operations: z.array(NetworkOpView), next_cursor: z.string().nullable() });

export async function listNetworkOps({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof NetworkQuery>;
}): Promise<z.output<typeof NetworkResult>> {
  const range = resolveRange(input, ctx.now());
  const where: SQL[] = [sql`project_id = ${ctx.projectId}`, inRange("start_time", range)];
  if (input.failed === true) where.push(sql`error is not null`);
  if (input.failed === false) where.push(sql`error is null`);
  if (input.host) where.push(sql`host = ${input.host}`);
  if (input.task_id) where.push(sql`task_id = ${input.task_id}`);
  const after = decodeCursor(input.cursor, ["number", "string"]);
  if (after)
    where.push(sql`(extract(epoch from start_time)::float8 * 1e6, id::text) < (${after[0]}::float8, ${after[1]})`);
  const rows = await queryRows<NetworkRow>(
    ctx.db,
    sql`select ${networkColumns} from network_ops where ${sql.join(where, sql` and `)}
        order by start_time desc, id::text desc limit ${input.limit + 1}`,
  );
  const { items, next_cursor } = page(rows, input.limit, (r) => [r.start_us, r.id]);
  return { operations: items.map(networkView), next_cursor };
}

export const SlowNetworkQuery = z.object({
  threshold_seconds: z.coerce.number().min(0).default(1),
  ...RangeParams,
  ...PageParams,
});

export async function listSlowNetworkOps({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof SlowNetworkQuery>;
}): Promise<z.output<typeof NetworkResult>> {
  const range = resolveRange(input, ctx.now());
  const where: SQL[] = [
    sql`project_id = ${ctx.projectId}`,
    inRange("start_time", range),
    sql`latency_ms > ${input.threshold_seconds * 1000}`,
  ];
  const after = decodeCursor(input.cursor, ["number", "string"]);
  if (after) where.push(sql`(latency_ms, id::text) < (${after[0]}::float8, ${after[1]})`);
  const rows = await queryRows<NetworkRow>(
    ctx.db,
    sql`select ${networkColumns} from network_ops where ${sql.join(where, sql` and `)}
        order by latency_ms desc, id::text desc limit ${input.limit + 1}`,
  );
  // every row has a latency: the threshold leaves out the open ones
  const { items, next_cursor } = page(rows, input.limit, (r) => [r.latency_ms ?? 0, r.id]);
  return { operations: items.map(networkView), next_cursor };
}

export const HostsQuery = z.object({ ...RangeParams });
export const HostStats = z
  .object({
    host: z.string(),
    port: z.number(),
    operations: z.number(),
    errors: z.number(),
    bytes_sent: z.number(),
    bytes_received: z.number(),
    p50_ms: z.number().nullable(),
    p95_ms: z.number().nullable(),
  })
  .meta({ id: "HostStats" });
export const HostsResult = z.object({ hosts: z.array(HostStats) });

export async function networkHosts({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof HostsQuery>;
}): Promise<z.output<typeof HostsResult>> {
  const range = resolveRange(input, ctx.now());
  // the columns are the answer's fields
  const hosts = await queryRows<z.output<typeof HostStats>>(
    ctx.db,
    sql`select host, port, count(*)::float8 as operations, (count(*) filter (where error is not null))::float8 as errors,
          coalesce(sum(bytes_sent), 0)::float8 as bytes_sent, coalesce(sum(bytes_received), 0)::float8 as bytes_received,
          percentile_cont(0.5) within group (order by latency_ms) as p50_ms,
          percentile_cont(0.95) within group (order by latency_ms) as p95_ms
        from network_ops
        where project_id = ${ctx.projectId} and ${inRange("start_time", range)}
        group by host, port
        order by count(*) desc, host, port`,
  );
  return { hosts };
}

const bucketOf = (column: string, b: Buckets) =>
  sql`(((extract(epoch from ${sql.raw(column)}) * 1000000)::bigint - ${b.first / 1000n}) / ${b.stepNanos / 1000n})::int`;

const bucketTime = (b: Buckets, bucket: number) => nanosToIso(b.first + BigInt(bucket) * b.stepNanos);

export const PipelineSummaryQuery = z.object({
  event_name: z.string().optional(),
  threshold_seconds: z.coerce
    .number()
    .min(0)
    .default(1)
    .meta({ description: "pending tasks running longer than this are stuck" }),
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
  const where: SQL[] = [sql`project_id = ${ctx.projectId}`, inRange("start_time", range)];
  if (input.event_name) where.push(sql`event_name = ${input.event_name}`);
  const filter = sql.join(where, sql` and `);
  const stuckBefore = dateToNanos(ctx.now()) - BigInt(Math.round(input.threshold_seconds * 1e9));
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
            (count(*) filter (where status = 'pending' and start_time < ${nanosToTimestamp(stuckBefore)}))::float8 as stuck,
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
    series: Array.from({ length: b.count }, (_, bucket) => {
      const r = byBucket.get(bucket);
      return { time: bucketTime(b, bucket), runs: r?.runs ?? 0, failed: r?.failed ?? 0, retried: r?.retried ?? 0 };
    }),
    retry_distribution: distribution,
  };
}

export const NetworkSeriesQuery = z.object({ host: z.string().optional(), ...StepParam, ...RangeParams });

export const NetworkPoint = z
  .object({
    time: z.string(),
    operations: z.number(),
    errors: z.number(),
    bytes_sent: z.number(),
    bytes_received: z.number(),
    p50_ms: z.number().nullable(),
    p95_ms: z.number().nullable(),
  })
  .meta({ id: "NetworkPoint" });

export const NetworkSeries = z.object({
  step_seconds: z.number(),
  series: z.array(z.object({ host: z.string(), port: z.number(), points: z.array(NetworkPoint) })),
});

/** One host:port's operations in one time bucket (the bucket's index in the range). */
type NetworkBucketRow = Omit<z.output<typeof NetworkPoint>, "time"> & { host: string; port: number; bucket: number };

/** Latency, bytes and errors over time per host:port. */
export async function networkSeries({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof NetworkSeriesQuery>;
}): Promise<z.output<typeof NetworkSeries>> {
  const range = resolveRange(input, ctx.now());
  const b = buckets(range, input.step_seconds);
  const rows = await queryRows<NetworkBucketRow>(
    ctx.db,
    sql`select host, port, ${bucketOf("start_time", b)} as bucket, count(*)::float8 as operations,
          (count(*) filter (where error is not null))::float8 as errors,
          coalesce(sum(bytes_sent), 0)::float8 as bytes_sent, coalesce(sum(bytes_received), 0)::float8 as bytes_received,
          percentile_cont(0.5) within group (order by latency_ms) as p50_ms, percentile_cont(0.95) within group (order by latency_ms) as p95_ms
        from network_ops
        where project_id = ${ctx.projectId} and ${inRange("start_time", range)} ${input.host ? sql`and host = ${input.host}` : sql``}
        group by host, port, 3`,
  );
  const byHost = new Map<string, { host: string; port: number; rows: Map<number, NetworkBucketRow> }>();
  for (const r of rows) {
    const key = `${r.host}:${r.port}`;
    if (!byHost.has(key)) byHost.set(key, { host: r.host, port: r.port, rows: new Map() });
    byHost.get(key)!.rows.set(r.bucket, r);
  }
  return {
    step_seconds: b.step,
    series: [...byHost.values()]
      .sort((x, y) => x.host.localeCompare(y.host) || x.port - y.port)
      .map(({ host, port, rows: found }) => ({
        host,
        port,
        points: Array.from({ length: b.count }, (_, bucket) => {
          const r = found.get(bucket);
          return {
            time: bucketTime(b, bucket),
            operations: r?.operations ?? 0,
            errors: r?.errors ?? 0,
            bytes_sent: r?.bytes_sent ?? 0,
            bytes_received: r?.bytes_received ?? 0,
            p50_ms: r?.p50_ms ?? null,
            p95_ms: r?.p95_ms ?? null,
          };
        }),
      })),
  };
}
