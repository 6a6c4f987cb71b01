import { getTableColumns, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { metricSeries } from "@/db/schema";
import { KeyValueParam, MAX_FILTERS, RangeParams, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { ApiError } from "@/lib/errors";
import { nanosToIso } from "@/lib/model/time";
import {
  AGGS,
  aggregate,
  exponentialAsExplicit,
  type ExponentialDistribution,
  type PointRow,
  type SeriesInfo,
} from "./metric-math";
import { nanosToTimestamp, numOrNull, type Int8 } from "./sql";

export const MetricInfo = z
  .object({
    name: z.string(),
    type: z.string(),
    unit: z.string().nullable(),
    description: z.string().nullable(),
    tag_keys: z.array(z.string()),
    series_count: z.number(),
  })
  .meta({ id: "MetricInfo" });
export const MetricListQuery = z.object({ q: z.string().optional().meta({ description: "text the name contains" }) });
export const MetricListResult = z.object({ metrics: z.array(MetricInfo) });

/** Metric names with their type, unit, description and tag keys. */
export async function listMetrics({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof MetricListQuery>;
}): Promise<z.output<typeof MetricListResult>> {
  const { name, type, unit, description, tags } = getTableColumns(metricSeries);
  const rows = await ctx.db
    .select({ name, type, unit, description, tags })
    .from(metricSeries)
    .where(
      sql`project_id = ${ctx.projectId} ${input.q ? sql`and position(lower(${input.q}) in lower(name)) > 0` : sql``}`,
    )
    .orderBy(metricSeries.name, metricSeries.id);
  const byName = new Map<string, z.output<typeof MetricInfo> & { keys: Set<string> }>();
  for (const r of rows) {
    let m = byName.get(r.name);
    if (!m) {
      m = {
        name: r.name,
        type: r.type,
        unit: r.unit,
        description: r.description,
        tag_keys: [],
        series_count: 0,
        keys: new Set(),
      };
      byName.set(r.name, m);
    }
    m.series_count += 1;
    m.unit ??= r.unit;
    m.description ??= r.description;
    for (const k of Object.keys(r.tags)) m.keys.add(k);
  }
  return { metrics: [...byName.values()].map(({ keys, ...m }) => ({ ...m, tag_keys: [...keys].sort() })) };
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Most points a query reads; a wider query asks for a narrower range or a larger step. */
export const MAX_POINTS_READ = 500_000;
const MAX_BUCKETS = 11_000;

/** Exemplars an answer holds at most: the largest values, which are the ones worth a look. */
export const MAX_EXEMPLARS = 100;

export const MetricQuery = z.object({
  name: z.string().min(1),
  agg: z.enum(AGGS).default("avg"),
  step: z
    .string()
    .regex(DURATION, "must be a duration such as 30s, 5m, 1h (seconds when no unit)")
    .optional()
    .meta({ description: "bucket width (default: the range / 120); buckets start at multiples of it" }),
  tag: KeyValueParam.meta({ description: "key:value the series must have; repeat for AND" }),
  group_by: z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(",")
            .map((k) => k.trim())
            .filter(Boolean)
        : [],
    )
    .pipe(z.array(z.string()).max(MAX_FILTERS, `at most ${MAX_FILTERS} tag keys`))
    .meta({ description: `comma-separated tag keys, at most ${MAX_FILTERS}` }),
  ...RangeParams,
});

export const MetricQueryResult = z
  .object({
    name: z.string(),
    type: z.string().nullable(),
    unit: z.string().nullable(),
    agg: z.string(),
    step_seconds: z.number(),
    series: z.array(
      z.object({ tags: z.record(z.string(), z.string()), points: z.array(z.tuple([z.string(), z.number()])) }),
    ),
    exemplars: z
      .array(
        z.object({
          time: z.string(),
          value: z.number(),
          trace_id: z.string(),
          span_id: z.string().nullable(),
          tags: z.record(z.string(), z.string()),
        }),
      )
      .meta({
        description: `measurements of the range's points that name their trace (OTLP exemplars), the ${MAX_EXEMPLARS} largest at most`,
      }),
  })
  .meta({ id: "MetricQueryResult" });

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** The exemplars of the range's stored points that name a trace, largest first. */
function exemplarsOf(
  rows: { series_id: Int8; exemplars: unknown }[],
  tagsOf: Map<number, Record<string, string>>,
  range: { from: bigint; to: bigint },
) {
  const found: {
    time: string;
    value: number;
    trace_id: string;
    span_id: string | null;
    tags: Record<string, string>;
  }[] = [];
  for (const row of rows) {
    if (!Array.isArray(row.exemplars)) continue;
    for (const e of row.exemplars as Record<string, unknown>[]) {
      const traceId = typeof e.trace_id === "string" ? e.trace_id.toLowerCase() : "";
      if (!TRACE_ID.test(traceId) || typeof e.value !== "number" || typeof e.time_unix_nano !== "string") continue;
      const nanos = BigInt(e.time_unix_nano);
      if (nanos < range.from || nanos > range.to) continue;
      const spanId =
        typeof e.span_id === "string" && SPAN_ID.test(e.span_id.toLowerCase()) ? e.span_id.toLowerCase() : null;
      found.push({
        time: nanosToIso(nanos),
        value: e.value,
        trace_id: traceId,
        span_id: spanId,
        tags: tagsOf.get(Number(row.series_id)) ?? {},
      });
    }
  }
  return found.sort((a, b) => b.value - a.value).slice(0, MAX_EXEMPLARS);
}

const TEMPORALITIES = ["cumulative", "delta"] as const;

/** A stored point as the query reads it; `time_ms` is epoch ms. */
type StoredPoint = {
  series_id: Int8;
  time_ms: number;
  value: number | null;
  count: Int8 | null;
  sum: number | null;
  bounds: number[] | null;
  bucket_counts: Int8[] | null;
  /** summary quantiles (an array) or an exponential histogram's buckets */
  distribution: unknown;
  /** OTLP exemplars: measurements that name their trace */
  exemplars: unknown;
};

const isExponential = (d: unknown): d is ExponentialDistribution =>
  typeof d === "object" && d !== null && "positive" in d;

function stepMs(step: string | undefined, rangeMs: number): number {
  if (!step) return Math.max(1000, Math.ceil(rangeMs / 120 / 1000) * 1000);
  const [, n, unit] = DURATION.exec(step)!;
  return Number(n) * UNIT_MS[unit ?? "s"]!;
}

/** A metric's series bucketed by step, aggregated, filtered by tags and grouped by tag keys. */
export async function queryMetric({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof MetricQuery>;
}): Promise<z.output<typeof MetricQueryResult>> {
  const range = resolveRange(input, ctx.now());
  const fromMs = Number(range.from / 1_000_000n);
  const toMs = Number(range.to / 1_000_000n);
  const step = stepMs(input.step, toMs - fromMs);
  if (step <= 0 || (toMs - fromMs) / step > MAX_BUCKETS) {
    throw new ApiError(
      "validation_failed",
      `invalid query parameter: step: gives more than ${MAX_BUCKETS} buckets over the range`,
      [{ path: "step", message: "too small for the range" }],
    );
  }
  const where: SQL[] = [sql`project_id = ${ctx.projectId}`, sql`name = ${input.name}`];
  for (const { key, value } of input.tag) where.push(sql`tags ->> ${key} = ${value}`);
  const { id, type, unit, temporality, tags } = getTableColumns(metricSeries);
  const seriesRows = await ctx.db
    .select({ id, type, unit, temporality, tags })
    .from(metricSeries)
    .where(sql.join(where, sql` and `));
  const series: SeriesInfo[] = seriesRows.map((r) => ({
    id: r.id,
    type: r.type,
    temporality: TEMPORALITIES.find((t) => t === r.temporality) ?? null,
    tags: r.tags,
  }));
  let points: PointRow[] = [];
  let exemplars: z.output<typeof MetricQueryResult>["exemplars"] = [];
  if (series.length > 0) {
    // one point before the range too, so the first step's rate has a base
    const rows = await queryRows<StoredPoint>(
      ctx.db,
      sql`select series_id, extract(epoch from time)::float8 * 1000 as time_ms, value, count, sum, bounds, bucket_counts, distribution,
            exemplars
          from metric_points
          where project_id = ${ctx.projectId} and series_id in (${sql.join(
            series.map((s) => sql`${s.id}`),
            sql`, `,
          )})
            and time >= ${nanosToTimestamp(range.from)} - ${`${step} milliseconds`}::interval and time <= ${nanosToTimestamp(range.to)}
          order by time
          limit ${MAX_POINTS_READ + 1}`,
    );
    if (rows.length > MAX_POINTS_READ) {
      throw new ApiError(
        "unprocessable",
        `the query reads more than ${MAX_POINTS_READ} points; narrow the range or filter by tags`,
      );
    }
    exemplars = exemplarsOf(rows, new Map(series.map((s) => [Number(s.id), s.tags])), range);
    points = rows.map((r) => {
      const explicit = isExponential(r.distribution) ? exponentialAsExplicit(r.distribution) : null;
      return {
        seriesId: Number(r.series_id),
        time: r.time_ms,
        value: r.value,
        count: numOrNull(r.count),
        sum: r.sum,
        bounds: explicit?.bounds ?? r.bounds,
        bucketCounts: explicit?.counts ?? r.bucket_counts?.map(Number) ?? null,
      };
    });
  }
  // buckets start at multiples of the step, so queries of the same range agree on their times
  const output = aggregate(
    series,
    points,
    input.agg,
    { from: Math.floor(fromMs / step) * step, to: toMs, stepMs: step },
    input.group_by,
  );
  return {
    name: input.name,
    type: series[0]?.type ?? null,
    unit: seriesRows[0]?.unit ?? null,
    agg: input.agg,
    step_seconds: step / 1000,
    series: output.map((s) => ({
      tags: s.tags,
      points: s.points.map(([t, v]): [string, number] => [new Date(t).toISOString(), v]),
    })),
    exemplars,
  };
}
