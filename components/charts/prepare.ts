import type { RedPoint, ServiceStats, TraceDurationPoint } from "@/components/data/types";

// Pure preparation of API answers into chart rows: charts draw these and decide nothing.

export interface RedRow {
  time: number;
  requestRate: number;
  errorRate: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export function redRows(points: RedPoint[]): RedRow[] {
  return points.map((p) => ({
    time: Date.parse(p.time),
    requestRate: p.request_rate,
    errorRate: p.error_rate,
    errors: p.error_count,
    p50: p.p50_ms,
    p95: p.p95_ms,
    p99: p.p99_ms,
  }));
}

/**
 * Services ordered by impact: the time callers spend waiting on them at the tail (requests × p95),
 * then by errors, so a busy slow service outranks a quiet fast one.
 */
export function byImpact(services: ServiceStats[]): ServiceStats[] {
  const impact = (s: ServiceStats) => s.request_count * (s.p95_ms ?? 0);
  return [...services].sort(
    (a, b) =>
      impact(b) - impact(a) ||
      b.error_count - a.error_count ||
      b.span_count - a.span_count ||
      a.name.localeCompare(b.name),
  );
}

export interface TraceDot {
  time: number;
  durationMs: number;
  traceId: string;
  name: string;
  failed: boolean;
}

export function traceDots(points: TraceDurationPoint[]): { ok: TraceDot[]; failed: TraceDot[] } {
  const dots = points.map((t) => ({
    time: Date.parse(t.start_time),
    durationMs: t.duration_ms,
    traceId: t.trace_id,
    name: `${t.root_service ?? "?"}: ${t.root_name ?? "(missing root span)"}`,
    failed: t.error,
  }));
  return { ok: dots.filter((d) => !d.failed), failed: dots.filter((d) => d.failed) };
}

/** How a time axis labels its ticks: seconds for minutes-long ranges, dates for multi-day ones. */
export function timeTickFormat(spanMs: number): (time: number) => string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return (time: number) => {
    const d = new Date(time);
    if (spanMs <= 10 * 60_000) return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    if (spanMs <= 36 * 3_600_000) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    return `${d.getMonth() + 1}/${d.getDate()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };
}

export interface CountRow {
  time: number;
  [series: string]: number | null;
}

/** Time series whose points have counts: rows keyed by epoch ms with the chosen fields. */
export function countRows<P extends { time: string }>(points: P[], fields: (keyof P & string)[]): CountRow[] {
  return points.map((p) => {
    const row: CountRow = { time: Date.parse(p.time) };
    for (const field of fields) row[field] = Number(p[field] ?? 0);
    return row;
  });
}

/** Retry counts as bars: every count from 0 to the highest seen, so a gap shows as an empty bar. */
export function retryBars(distribution: { retry_count: number; runs: number }[]): { label: string; runs: number }[] {
  const most = distribution.reduce((max, d) => Math.max(max, d.retry_count), 0);
  const runsOf = new Map(distribution.map((d) => [d.retry_count, d.runs]));
  return Array.from({ length: most + 1 }, (_, n) => ({
    label: n === 1 ? "1 retry" : `${n} retries`,
    runs: runsOf.get(n) ?? 0,
  }));
}

const TRACE_ID = /^[0-9a-f]{32}$/i;

/** The trace a task's attributes point at, under the names SDKs use for it. */
export function linkedTraceId(attributes: Record<string, unknown>): string | undefined {
  for (const key of ["trace_id", "trace.id", "traceId", "otel.trace_id"]) {
    const value = attributes[key];
    if (typeof value === "string" && TRACE_ID.test(value)) return value.toLowerCase();
  }
  return undefined;
}

/** Network series per host:port, merged into one row per bucket with a column per host. */
export function perHostRows(
  series: { host: string; port: number; points: { time: string; [field: string]: unknown }[] }[],
  field: string,
): { rows: CountRow[]; keys: string[] } {
  const keys = series.map((s) => `${s.host}:${s.port}`);
  const rows: CountRow[] = (series[0]?.points ?? []).map((p, i) => {
    const row: CountRow = { time: Date.parse(p.time) };
    series.forEach((s, j) => {
      const value = s.points[i]?.[field];
      row[keys[j]!] = typeof value === "number" ? value : null;
    });
    return row;
  });
  return { rows, keys };
}

export interface MetricSeries {
  tags: Record<string, string>;
  points: [string, number][];
}

/** A series' name in the legend: its tags, or the whole metric when it has none. */
export function seriesLabel(tags: Record<string, string>, prefix = ""): string {
  const text = Object.entries(tags)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  return [prefix, text].filter(Boolean).join(" ") || "all";
}

/** Several series (each with its own points) merged into rows by time, one column per series. */
export function metricRows(groups: { prefix: string; series: MetricSeries[] }[]): { rows: CountRow[]; keys: string[] } {
  const byTime = new Map<number, CountRow>();
  const keys: string[] = [];
  for (const { prefix, series } of groups) {
    for (const s of series) {
      const key = seriesLabel(s.tags, prefix);
      keys.push(key);
      for (const [time, value] of s.points) {
        const t = Date.parse(time);
        const row = byTime.get(t) ?? { time: t };
        row[key] = value;
        byTime.set(t, row);
      }
    }
  }
  const rows = [...byTime.values()].sort((a, b) => a.time - b.time);
  for (const row of rows) for (const key of keys) if (!(key in row)) row[key] = null;
  return { rows, keys };
}

/** The aggregation a metric is first shown with: rate for counters, percentiles for histograms. */
export function defaultAggregation(type: string | null | undefined): string {
  if (type === "sum") return "rate";
  if (type === "histogram" || type === "exponential_histogram" || type === "summary") return "percentiles";
  return "avg";
}

/** Counts per step read best as bars, rates and sums as areas, levels as lines. */
export function chartKind(agg: string): "line" | "area" | "bar" {
  if (agg === "count" || agg === "sum") return "bar";
  if (agg === "rate") return "area";
  return "line";
}
