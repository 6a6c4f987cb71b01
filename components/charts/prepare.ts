import type { RedPoint, ServiceStats, TraceSummary } from "@/components/data/types";

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
  return [...services].sort((a, b) => impact(b) - impact(a) || b.error_count - a.error_count || b.span_count - a.span_count || a.name.localeCompare(b.name));
}

export interface TraceDot {
  time: number;
  durationMs: number;
  traceId: string;
  name: string;
  failed: boolean;
}

export function traceDots(traces: TraceSummary[]): { ok: TraceDot[]; failed: TraceDot[] } {
  const dots = traces.map((t) => ({
    time: Date.parse(t.start_time),
    durationMs: t.duration_ms,
    traceId: t.trace_id,
    name: `${t.root_service ?? "?"}: ${t.root_name ?? "(missing root span)"}`,
    failed: t.error_count > 0,
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
