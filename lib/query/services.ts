import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import {
  assertSeriesFit,
  SERIES_ROWS_READ,
  seriesRows,
  buckets,
  RangeParams,
  rangeSeconds,
  resolveRange,
  StepParam,
  type Buckets,
  type Range,
} from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { nanosToIso } from "@/lib/model/time";
import { histogramOf, histogramQuantile, sumHistograms } from "@/lib/storage/histogram";
import { planRollup, rawNanos, rollupBucketOf, type RollupPlan } from "./rollup-plan";

// RED (rate, errors, duration) per service and per operation, from the server and consumer
// spans (the requests a service handled) in the time range.

export const ServicesQuery = z.object({ ...RangeParams });

export const RedStats = z.object({
  span_count: z.number().meta({ description: "all spans of the service in the range" }),
  request_count: z.number().meta({ description: "server and consumer spans" }),
  request_rate: z.number().meta({ description: "requests per second" }),
  error_count: z.number(),
  error_rate: z.number().meta({ description: "failed requests / requests (0…1)" }),
  p50_ms: z.number().nullable(),
  p95_ms: z.number().nullable(),
  p99_ms: z.number().nullable(),
  span_rate: z.number().meta({ description: "spans of every kind per second" }),
  span_error_rate: z.number().meta({ description: "failed spans / spans (0…1)" }),
  span_p50_ms: z
    .number()
    .nullable()
    .meta({ description: "of every span: what measures a client or internal operation" }),
  span_p95_ms: z.number().nullable(),
  span_p99_ms: z.number().nullable(),
});

export const ServiceStats = RedStats.extend({ name: z.string() }).meta({ id: "ServiceStats" });
export const ServicesResult = z.object({ services: z.array(ServiceStats) });
export const OperationStats = RedStats.extend({ name: z.string() }).meta({ id: "OperationStats" });
export const OperationsResult = z.object({ service: z.string(), operations: z.array(OperationStats) });
export const ServiceParams = z.object({ name: z.string().min(1) });

/** What `redColumns` computes for a service or an operation (`name`). */
type RedRow = {
  name: string;
  span_count: number;
  request_count: number;
  error_count: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  span_error_count: number;
  span_p50_ms: number | null;
  span_p95_ms: number | null;
  span_p99_ms: number | null;
};

const red = (r: RedRow, seconds: number) => ({
  name: r.name,
  span_count: r.span_count,
  request_count: r.request_count,
  request_rate: r.request_count / seconds,
  error_count: r.error_count,
  error_rate: r.request_count ? r.error_count / r.request_count : 0,
  p50_ms: r.p50_ms,
  p95_ms: r.p95_ms,
  p99_ms: r.p99_ms,
  span_rate: r.span_count / seconds,
  span_error_rate: r.span_count ? r.span_error_count / r.span_count : 0,
  span_p50_ms: r.span_p50_ms,
  span_p95_ms: r.span_p95_ms,
  span_p99_ms: r.span_p99_ms,
});

const redColumns = sql`
  count(*)::float8 as span_count,
  (count(*) filter (where kind in ('server', 'consumer')))::float8 as request_count,
  (count(*) filter (where kind in ('server', 'consumer') and status_code = 'error'))::float8 as error_count,
  (percentile_cont(0.5) within group (order by duration_nano) filter (where kind in ('server', 'consumer'))) / 1e6 as p50_ms,
  (percentile_cont(0.95) within group (order by duration_nano) filter (where kind in ('server', 'consumer'))) / 1e6 as p95_ms,
  (percentile_cont(0.99) within group (order by duration_nano) filter (where kind in ('server', 'consumer'))) / 1e6 as p99_ms,
  (count(*) filter (where status_code = 'error'))::float8 as span_error_count,
  (percentile_cont(0.5) within group (order by duration_nano)) / 1e6 as span_p50_ms,
  (percentile_cont(0.95) within group (order by duration_nano)) / 1e6 as span_p95_ms,
  (percentile_cont(0.99) within group (order by duration_nano)) / 1e6 as span_p99_ms`;

/** A RED row summed from rollups and raw rows: its percentiles come from the duration histogram. */
type RolledRow = Omit<RedRow, "p50_ms" | "p95_ms" | "p99_ms" | "span_p50_ms" | "span_p95_ms" | "span_p99_ms"> & {
  service: string;
  bucket: number;
  histogram: number[];
  span_histogram: number[];
};

const REQUEST = sql.raw(`kind in ('server', 'consumer')`);

/**
 * RED per `group` (service_name, or name: each operation of each service, with its `service`) and, with `b`, per
 * time bucket, from the rollups the plan names and the raw spans of its other intervals.
 */
export async function rolledRed(
  ctx: Pick<Ctx, "db" | "projectId">,
  range: Range,
  plan: RollupPlan,
  { group, service, b, limit }: { group: "service_name" | "name"; service?: string; b?: Buckets; limit?: number },
): Promise<(RedRow & { service: string; bucket: number })[]> {
  const only = service === undefined ? sql`` : sql`and service_name = ${service}`;
  const rawBucket = b ? sql`((start_time_unix_nano - ${b.first}) / ${b.stepNanos})::int` : sql`0`;
  const rows = await queryRows<RolledRow>(
    ctx.db,
    sql`with parts as (
          select service_name as service, ${sql.identifier(group)} as name, ${rollupBucketOf(b)} as bucket,
            span_count::float8 as spans,
            request_count::float8 as requests, error_count::float8 as errors, histogram::float8[] as h,
            span_error_count::float8 as span_errors, span_histogram::float8[] as sh
          from span_rollups where project_id = ${ctx.projectId} ${only} and ${plan.rollup}
          union all
          select service_name, ${sql.identifier(group)}, ${rawBucket}, count(*)::float8,
            (count(*) filter (where ${REQUEST}))::float8,
            (count(*) filter (where ${REQUEST} and status_code = 'error'))::float8,
            ${histogramOf(sql`duration_nano / 1e6`, REQUEST)}::float8[],
            (count(*) filter (where status_code = 'error'))::float8,
            ${histogramOf(sql`duration_nano / 1e6`)}::float8[]
          from spans
          where project_id = ${ctx.projectId} ${only}
            and start_time_unix_nano >= ${range.from} and start_time_unix_nano <= ${range.to} and ${rawNanos("start_time_unix_nano", plan.raw)}
          group by 1, 2, 3
        )
        select service, name, bucket, sum(spans) as span_count, sum(requests) as request_count, sum(errors) as error_count,
          ${sumHistograms(sql`h`)} as histogram, sum(span_errors) as span_error_count,
          ${sumHistograms(sql`sh`)} as span_histogram
        from parts group by service, name, bucket
        ${limit === undefined ? sql`` : sql`limit ${limit}`}`,
  );
  return rows.map(({ histogram, span_histogram, ...r }) => ({
    ...r,
    p50_ms: histogramQuantile(histogram, 0.5),
    p95_ms: histogramQuantile(histogram, 0.95),
    p99_ms: histogramQuantile(histogram, 0.99),
    span_p50_ms: histogramQuantile(span_histogram, 0.5),
    span_p95_ms: histogramQuantile(span_histogram, 0.95),
    span_p99_ms: histogramQuantile(span_histogram, 0.99),
  }));
}

/** Every service with spans in the range, busiest first. */
export async function listServices({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof ServicesQuery>;
}): Promise<z.output<typeof ServicesResult>> {
  const range = resolveRange(input, ctx.now());
  const plan = await planRollup(ctx, "spans", range);
  const rows = plan
    ? await rolledRed(ctx, range, plan, { group: "service_name" })
    : await queryRows<RedRow>(
        ctx.db,
        sql`select service_name as name, ${redColumns}
            from spans
            where project_id = ${ctx.projectId} and start_time_unix_nano >= ${range.from} and start_time_unix_nano <= ${range.to}
            group by service_name`,
      );
  const seconds = rangeSeconds(range);
  const services = rows.map((r) => red(r, seconds));
  services.sort(
    (a, b) => b.request_count - a.request_count || b.span_count - a.span_count || a.name.localeCompare(b.name),
  );
  return { services };
}

/** RED per operation (span name) of one service; an unknown service has no operations. */
export async function listOperations({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof ServicesQuery> & z.output<typeof ServiceParams>;
}): Promise<z.output<typeof OperationsResult>> {
  const range = resolveRange(input, ctx.now());
  const plan = await planRollup(ctx, "spans", range);
  const rows = plan
    ? await rolledRed(ctx, range, plan, { group: "name", service: input.name })
    : await queryRows<RedRow>(
        ctx.db,
        sql`select name, ${redColumns}
            from spans
            where project_id = ${ctx.projectId} and service_name = ${input.name}
              and start_time_unix_nano >= ${range.from} and start_time_unix_nano <= ${range.to}
            group by name`,
      );
  const seconds = rangeSeconds(range);
  const operations = rows.map((r) => red(r, seconds));
  operations.sort(
    (a, b) => b.request_count - a.request_count || b.span_count - a.span_count || a.name.localeCompare(b.name),
  );
  return { service: input.name, operations };
}

export const ServiceSeriesQuery = z.object({
  service: z.string().min(1).optional().meta({ description: "one service (default: every service)" }),
  ...StepParam,
  ...RangeParams,
});

export const RedPoint = z
  .object({
    time: z.string().meta({ description: "start of the bucket" }),
    request_count: z.number(),
    request_rate: z.number().meta({ description: "requests per second" }),
    error_count: z.number(),
    error_rate: z.number().meta({ description: "failed requests / requests (0…1)" }),
    p50_ms: z.number().nullable(),
    p95_ms: z.number().nullable(),
    p99_ms: z.number().nullable(),
  })
  .meta({ id: "RedPoint" });

export const ServiceSeriesResult = z.object({
  step_seconds: z.number(),
  series: z.array(z.object({ service: z.string(), points: z.array(RedPoint) })),
});

/** One service's requests in one time bucket (the bucket's index in the range). */
type RedBucketRow = Omit<RedRow, "span_count"> & { bucket: number };

/** RED of requests over time per service: every bucket of the range is present, empty ones as zeros. */
export async function serviceSeries({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof ServiceSeriesQuery>;
}): Promise<z.output<typeof ServiceSeriesResult>> {
  const range = resolveRange(input, ctx.now());
  const b = buckets(range, input.step_seconds);
  const { step, stepNanos, first, count } = b;
  const plan = await planRollup(ctx, "spans", range, { stepSeconds: step });
  const rows: RedBucketRow[] = plan
    ? // as from raw rows, a service appears once it handled requests
      (
        await seriesRows(
          rolledRed(ctx, range, plan, { group: "service_name", service: input.service, b, limit: SERIES_ROWS_READ }),
        )
      ).filter((r) => r.request_count > 0)
    : await seriesRows(
        queryRows<RedBucketRow>(
          ctx.db,
          sql`select service_name as name, ((start_time_unix_nano - ${first}) / ${stepNanos})::int as bucket,
          (count(*))::float8 as request_count,
          (count(*) filter (where status_code = 'error'))::float8 as error_count,
          (percentile_cont(0.5) within group (order by duration_nano)) / 1e6 as p50_ms,
          (percentile_cont(0.95) within group (order by duration_nano)) / 1e6 as p95_ms,
          (percentile_cont(0.99) within group (order by duration_nano)) / 1e6 as p99_ms
        from spans
        where project_id = ${ctx.projectId} and start_time_unix_nano >= ${range.from} and start_time_unix_nano <= ${range.to}
          and kind in ('server', 'consumer') ${input.service ? sql`and service_name = ${input.service}` : sql``}
        group by 1, 2
        limit ${SERIES_ROWS_READ}`,
        ),
      );
  const byService = new Map<string, Map<number, RedBucketRow>>();
  for (const r of rows) {
    if (!byService.has(r.name)) byService.set(r.name, new Map());
    byService.get(r.name)!.set(r.bucket, r);
  }
  if (input.service && !byService.has(input.service)) byService.set(input.service, new Map());
  assertSeriesFit(byService.size, b);
  const series = [...byService.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, found]) => ({
      service,
      points: Array.from({ length: count }, (_, bucket) => {
        const r = found.get(bucket);
        const requests = r?.request_count ?? 0;
        const errors = r?.error_count ?? 0;
        return {
          time: nanosToIso(first + BigInt(bucket) * stepNanos),
          request_count: requests,
          request_rate: requests / step,
          error_count: errors,
          error_rate: requests ? errors / requests : 0,
          p50_ms: r?.p50_ms ?? null,
          p95_ms: r?.p95_ms ?? null,
          p99_ms: r?.p99_ms ?? null,
        };
      }),
    }));
  return { step_seconds: step, series };
}
