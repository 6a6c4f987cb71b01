import { sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import type { Range } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { selfMetrics } from "@/lib/ingest/self-metrics";
import { seriesSamples, type CounterSeries, type HistogramSeries } from "@/lib/shared/remote-write";
import { addHistograms, countAtMost, DURATION_BUCKETS, LATENCY_BUCKETS } from "@/lib/storage/histogram";
import { planRollup, type RollupPlan } from "./rollup-plan";
import { rolledNetwork, rolledPipeline } from "./pipeline/rolled";

// GET /metrics: the project's pipeline telemetry in the Prometheus text format — event durations
// and retries, network bytes and latency — computed from what Tracedeck stores, so counters only
// grow as data arrives, plus Tracedeck's own ingest metrics. The stored histograms are aggregated
// in SQL, which prom-client's observe-one-value instruments cannot take, so they are written here
// by the text format's rules; the ingest metrics come from prom-client.

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A label value as the text format writes it: backslash, quote and newline escaped. */
export function labelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

const labels = (pairs: [string, string][]) => `{${pairs.map(([k, v]) => `${k}="${labelValue(v)}"`).join(",")}}`;
const number = (value: number) => (Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15))));

/** `count(*) filter (where <column> <= bound)` for every bucket: cumulative counts, as Prometheus wants them. */
const bucketCounts = (column: string, bounds: number[], scale: number) =>
  sql`array[${sql.join(
    bounds.map((bound) => sql`(count(*) filter (where ${sql.raw(column)} <= ${bound * scale}))::float8`),
    sql`, `,
  )}] as buckets`;

/** A histogram's row: its labels, how many values, their sum (ms) and the cumulative count per bound. */
type HistogramRow<L extends string> = Record<L, string> & { count: number; sum: number; buckets: number[] };

export interface PipelineSeries {
  counters: CounterSeries[];
  histograms: HistogramSeries[];
}

const HELP: Record<string, string> = {
  event_duration_seconds: "Duration of finished task executions, by event name and status",
  event_retries_total: "Retries of task executions, by event name",
  network_bytes_total: "Bytes of network operations, by host, operation and direction",
  network_latency_seconds: "Latency of finished network operations, by host and operation",
};

function histogramSeries<L extends string>(
  name: string,
  bounds: number[],
  rows: HistogramRow<L>[],
  labelNames: L[],
): HistogramSeries[] {
  return rows.map((r) => ({
    name,
    labels: Object.fromEntries(labelNames.map((l) => [l, r[l]])),
    bounds,
    buckets: [...r.buckets, r.count],
    sum: r.sum / 1000,
  }));
}

type Scope = Pick<Ctx, "db" | "projectId">;

/** Rollups reach back this far: the longest retention a setting may have. */
const ALL_TIME_DAYS = 3650;
const DAY_NANOS = 86_400_000_000_000n;

/** Cumulative counts at each bound, the count and the sum (ms) of a rolled-up histogram. */
function fromHistogram(histogram: number[], sum: number, bounds: number[]) {
  return {
    count: histogram.reduce((n, c) => n + c, 0),
    sum,
    buckets: bounds.map((b) => countAtMost(histogram, b * 1000)),
  };
}

/** The four series from rollups (and the raw rows of the minutes not rolled up yet). */
async function rolledSeries(ctx: Scope, range: Range, pipelinePlan: RollupPlan, networkPlan: RollupPlan | null) {
  const pipeline = await rolledPipeline(ctx, range, pipelinePlan, {});
  const durations = new Map<string, { event_name: string; status: string; histogram: number[]; sum: number }>();
  const retries = new Map<string, number>();
  for (const r of pipeline) {
    retries.set(r.event_name, (retries.get(r.event_name) ?? 0) + r.retries);
    const key = `${r.event_name}\u0000${r.status}`;
    const d = durations.get(key) ?? { event_name: r.event_name, status: r.status, histogram: [], sum: 0 };
    d.histogram = addHistograms(d.histogram, r.histogram);
    d.sum += r.duration_sum_ms;
    durations.set(key, d);
  }
  const network = networkPlan ? await rolledNetwork(ctx, range, networkPlan, {}) : [];
  const hosts = new Map<
    string,
    { host: string; operation: string; sent: number; received: number; histogram: number[]; sum: number }
  >();
  for (const r of network) {
    const key = `${r.host}\u0000${r.operation}`;
    const h = hosts.get(key) ?? { host: r.host, operation: r.operation, sent: 0, received: 0, histogram: [], sum: 0 };
    h.sent += r.bytes_sent;
    h.received += r.bytes_received;
    h.histogram = addHistograms(h.histogram, r.histogram);
    h.sum += r.latency_sum_ms;
    hosts.set(key, h);
  }
  return {
    durations: [...durations.values()]
      .filter((d) => d.histogram.some((c) => c > 0))
      .map((d) => ({
        event_name: d.event_name,
        status: d.status,
        ...fromHistogram(d.histogram, d.sum, DURATION_BUCKETS),
      })),
    retries: [...retries].map(([event_name, n]) => ({ event_name, retries: n })),
    bytes: [...hosts.values()].map(({ host, operation, sent, received }) => ({ host, operation, sent, received })),
    latencies: [...hosts.values()]
      .filter((h) => h.histogram.some((c) => c > 0))
      .map((h) => ({ host: h.host, operation: h.operation, ...fromHistogram(h.histogram, h.sum, LATENCY_BUCKETS) })),
    networkRaw: networkPlan === null,
  };
}

/** The project's four pipeline series as totals, computed from what Tracedeck stores (for /metrics and for remote write). */
export async function pipelineSeries(db: Db, projectId: string, now = new Date()): Promise<PipelineSeries> {
  const to = BigInt(now.getTime()) * 1_000_000n;
  const range = { from: to - BigInt(ALL_TIME_DAYS) * DAY_NANOS, to };
  const ctx = { db, projectId };
  const [pipelinePlan, networkPlan] = await Promise.all([
    planRollup(ctx, "pipeline", range),
    planRollup(ctx, "network", range),
  ]);
  if (pipelinePlan) {
    const rolled = await rolledSeries(ctx, range, pipelinePlan, networkPlan);
    if (!rolled.networkRaw) return assemble(rolled);
  }
  return assemble(await rawSeries(db, projectId));
}

type SeriesRows = {
  durations: HistogramRow<"event_name" | "status">[];
  retries: { event_name: string; retries: number }[];
  bytes: { host: string; operation: string; sent: number; received: number }[];
  latencies: HistogramRow<"host" | "operation">[];
};

/** The four series straight from the raw rows (a store whose rollups have yet to be made). */
async function rawSeries(db: Db, projectId: string): Promise<SeriesRows> {
  const project = sql`project_id = ${projectId}`;
  const [durations, retries, bytes, latencies] = await Promise.all([
    queryRows<HistogramRow<"event_name" | "status">>(
      db,
      sql`select event_name, status, count(*)::float8 as count, coalesce(sum(duration_ms), 0)::float8 as sum, ${bucketCounts("duration_ms", DURATION_BUCKETS, 1000)}
        from pipeline_events where ${project} and duration_ms is not null group by event_name, status order by event_name, status`,
    ),
    queryRows<{ event_name: string; retries: number }>(
      db,
      sql`select event_name, coalesce(sum(retry_count), 0)::float8 as retries from pipeline_events where ${project} group by event_name order by event_name`,
    ),
    queryRows<{ host: string; operation: string; sent: number; received: number }>(
      db,
      sql`select host, operation, coalesce(sum(bytes_sent), 0)::float8 as sent, coalesce(sum(bytes_received), 0)::float8 as received
        from network_ops where ${project} group by host, operation order by host, operation`,
    ),
    queryRows<HistogramRow<"host" | "operation">>(
      db,
      sql`select host, operation, count(*)::float8 as count, coalesce(sum(latency_ms), 0)::float8 as sum, ${bucketCounts("latency_ms", LATENCY_BUCKETS, 1000)}
        from network_ops where ${project} and latency_ms is not null group by host, operation order by host, operation`,
    ),
  ]);
  return { durations, retries, bytes, latencies };
}

function assemble({ durations, retries, bytes, latencies }: SeriesRows): PipelineSeries {
  const sorted = <T extends Record<string, unknown>>(rows: T[], ...keys: (keyof T)[]) =>
    [...rows].sort((a, b) => {
      for (const k of keys) {
        const x = String(a[k]);
        const y = String(b[k]);
        if (x !== y) return x < y ? -1 : 1;
      }
      return 0;
    });
  durations = sorted(durations, "event_name", "status");
  retries = sorted(retries, "event_name");
  bytes = sorted(bytes, "host", "operation");
  latencies = sorted(latencies, "host", "operation");
  return {
    counters: [
      ...retries.map((r) => ({ name: "event_retries_total", labels: { event_name: r.event_name }, value: r.retries })),
      ...bytes.flatMap((r) => [
        {
          name: "network_bytes_total",
          labels: { host: r.host, operation: r.operation, direction: "sent" },
          value: r.sent,
        },
        {
          name: "network_bytes_total",
          labels: { host: r.host, operation: r.operation, direction: "received" },
          value: r.received,
        },
      ]),
    ],
    histograms: [
      ...histogramSeries("event_duration_seconds", DURATION_BUCKETS, durations, ["event_name", "status"]),
      ...histogramSeries("network_latency_seconds", LATENCY_BUCKETS, latencies, ["host", "operation"]),
    ],
  };
}

/** The series in the text format, each family with its HELP and TYPE even when it has no series yet. */
export function renderSeries({ counters, histograms }: PipelineSeries): string[] {
  const lines: string[] = [];
  const family = (name: string, type: "counter" | "histogram") => {
    lines.push(`# HELP ${name} ${HELP[name] ?? name}`, `# TYPE ${name} ${type}`);
    const samples = seriesSamples(
      counters.filter((c) => c.name === name),
      histograms.filter((h) => h.name === name),
      0,
      {},
    );
    for (const {
      labels: { __name__, ...rest },
      value,
    } of samples)
      lines.push(`${__name__}${labels(Object.entries(rest))} ${number(value)}`);
  };
  family("event_duration_seconds", "histogram");
  family("event_retries_total", "counter");
  family("network_bytes_total", "counter");
  family("network_latency_seconds", "histogram");
  return lines;
}

export async function renderExposition({ ctx }: { ctx: Ctx }): Promise<string> {
  const lines = renderSeries(await pipelineSeries(ctx.db, ctx.projectId));
  return `${lines.join("\n")}\n${await selfMetrics.registry.metrics()}`;
}
