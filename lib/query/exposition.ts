import { sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import type { Ctx } from "@/lib/auth/context";
import { selfMetrics } from "@/lib/ingest/self-metrics";
import { seriesSamples, type CounterSeries, type HistogramSeries } from "@/lib/shared/remote-write";
import { countAtMost, DURATION_BUCKETS, LATENCY_BUCKETS } from "@/lib/storage/histogram";

// GET /metrics: the project's pipeline telemetry in the Prometheus text format — event durations
// and retries, network bytes and latency — plus Tracedeck's own ingest metrics. The pipeline series
// are read from the counters the writer keeps (pipeline_counters and network_counters, added to as
// each report is stored: lib/ingest/counters.ts), not computed from the stored rows: a task's row
// changes status when it is retried, and retention drops old rows, while a Prometheus counter must
// never go down. So a failed attempt stays counted when its task completes later, and the answer
// reads a few rows per series, however much is stored. The histograms are kept in SQL, which
// prom-client's observe-one-value instruments cannot take, so they are written here by the text
// format's rules; the ingest metrics come from prom-client.

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A label value as the text format writes it: backslash, quote and newline escaped. */
export function labelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

const labels = (pairs: [string, string][]) => `{${pairs.map(([k, v]) => `${k}="${labelValue(v)}"`).join(",")}}`;
const number = (value: number) => (Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15))));

export interface PipelineSeries {
  counters: CounterSeries[];
  histograms: HistogramSeries[];
}

const HELP: Record<string, string> = {
  event_duration_seconds: "Duration of finished task executions, by event name and status",
  event_retries_total: "Retries of task executions, by event name",
  network_bytes_total: "Bytes of network operations, by host, port, operation and direction",
  network_latency_seconds: "Latency of finished network operations, by host, port and operation",
};

/** A histogram series from a counter row's histogram (lib/storage/histogram.ts) and its sum in ms. */
function histogramSeries(
  name: string,
  labels: Record<string, string>,
  bounds: number[],
  { histogram, sumMs }: { histogram: number[]; sumMs: number },
): HistogramSeries {
  return {
    name,
    labels,
    bounds,
    buckets: [...bounds.map((b) => countAtMost(histogram, b * 1000)), histogram.reduce((n, c) => n + c, 0)],
    sum: sumMs / 1000,
  };
}

type PipelineCounterRow = {
  event_name: string;
  status: string;
  outcomes: number;
  histogram: number[];
  duration_sum_ms: number;
  retries: number;
};

type NetworkCounterRow = {
  host: string;
  port: number;
  operation: string;
  operations: number;
  histogram: number[];
  latency_sum_ms: number;
  bytes_sent: number;
  bytes_received: number;
};

/** The project's four pipeline series as totals since its first report (for /metrics and for remote write). */
export async function pipelineSeries(db: Db, projectId: string): Promise<PipelineSeries> {
  const [events, network] = await Promise.all([
    queryRows<PipelineCounterRow>(
      db,
      sql`select event_name, status, outcomes::float8 as outcomes, histogram::float8[] as histogram, duration_sum_ms,
          retries::float8 as retries
        from pipeline_counters where project_id = ${projectId} order by event_name, status`,
    ),
    queryRows<NetworkCounterRow>(
      db,
      sql`select host, port, operation, operations::float8 as operations, histogram::float8[] as histogram, latency_sum_ms,
          bytes_sent::float8 as bytes_sent, bytes_received::float8 as bytes_received
        from network_counters where project_id = ${projectId} order by host, port, operation`,
    ),
  ]);
  // an event name's retries, whatever status the reports that raised them had
  const retries = new Map<string, number>();
  for (const r of events) retries.set(r.event_name, (retries.get(r.event_name) ?? 0) + r.retries);
  const host = (r: NetworkCounterRow) => ({ host: r.host, port: String(r.port), operation: r.operation });
  return {
    counters: [
      ...[...retries].map(([event_name, value]) => ({ name: "event_retries_total", labels: { event_name }, value })),
      ...network.flatMap((r) => [
        { name: "network_bytes_total", labels: { ...host(r), direction: "sent" }, value: r.bytes_sent },
        { name: "network_bytes_total", labels: { ...host(r), direction: "received" }, value: r.bytes_received },
      ]),
    ],
    histograms: [
      // a series appears with its first outcome, and from then on is always there
      ...events
        .filter((r) => r.outcomes > 0)
        .map((r) =>
          histogramSeries("event_duration_seconds", { event_name: r.event_name, status: r.status }, DURATION_BUCKETS, {
            histogram: r.histogram,
            sumMs: r.duration_sum_ms,
          }),
        ),
      ...network
        .filter((r) => r.operations > 0)
        .map((r) =>
          histogramSeries("network_latency_seconds", host(r), LATENCY_BUCKETS, {
            histogram: r.histogram,
            sumMs: r.latency_sum_ms,
          }),
        ),
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
