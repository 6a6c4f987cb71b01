import { sql, type SQL } from "drizzle-orm";
import { queryRows } from "@/db";
import type { Ctx } from "@/lib/auth/context";
import { selfMetrics } from "@/lib/ingest/self-metrics";
import { num } from "./sql";

// GET /metrics: the project's pipeline telemetry in the Prometheus text format — event durations
// and retries, network bytes and latency — computed from what Tracedeck stores, so counters only
// grow as data arrives, plus Tracedeck's own ingest metrics. The stored histograms are aggregated
// in SQL, which prom-client's observe-one-value instruments cannot take, so they are written here
// by the text format's rules; the ingest metrics come from prom-client.

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A label value as the text format writes it: backslash, quote and newline escaped. */
export function labelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

const labels = (pairs: [string, string][]) => `{${pairs.map(([k, v]) => `${k}="${labelValue(v)}"`).join(",")}}`;
const number = (value: number) => (Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15))));

/** `count(*) filter (where <column> <= bound)` for every bucket: cumulative counts, as Prometheus wants them. */
const bucketColumns = (column: string, bounds: number[], scale: number) =>
  sql.join(
    bounds.map((bound, i) => sql`(count(*) filter (where ${sql.raw(column)} <= ${bound * scale}))::float8 as ${sql.raw(`b${i}`)}`),
    sql`, `,
  );

function histogram(name: string, help: string, bounds: number[], rows: Record<string, unknown>[], labelNames: string[], sumScale: number): string[] {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  for (const r of rows) {
    const base = labelNames.map((l): [string, string] => [l, String(r[l])]);
    bounds.forEach((bound, i) => lines.push(`${name}_bucket${labels([...base, ["le", number(bound)]])} ${number(num(r[`b${i}`]))}`));
    lines.push(`${name}_bucket${labels([...base, ["le", "+Inf"]])} ${number(num(r.count))}`);
    lines.push(`${name}_sum${labels(base)} ${number(num(r.sum) / sumScale)}`);
    lines.push(`${name}_count${labels(base)} ${number(num(r.count))}`);
  }
  return lines;
}

async function rows(ctx: Ctx, query: SQL): Promise<Record<string, unknown>[]> {
  return queryRows<Record<string, unknown>>(ctx.db, query);
}

export async function renderExposition({ ctx }: { ctx: Ctx }): Promise<string> {
  const project = sql`project_id = ${ctx.projectId}`;
  const [durations, retries, bytes, latencies] = await Promise.all([
    rows(ctx, sql`select event_name, status, count(*)::float8 as count, coalesce(sum(duration_ms), 0)::float8 as sum, ${bucketColumns("duration_ms", DURATION_BUCKETS, 1000)}
      from pipeline_events where ${project} and duration_ms is not null group by event_name, status order by event_name, status`),
    rows(ctx, sql`select event_name, coalesce(sum(retry_count), 0)::float8 as retries from pipeline_events where ${project} group by event_name order by event_name`),
    rows(ctx, sql`select host, operation, coalesce(sum(bytes_sent), 0)::float8 as sent, coalesce(sum(bytes_received), 0)::float8 as received
      from network_ops where ${project} group by host, operation order by host, operation`),
    rows(ctx, sql`select host, operation, count(*)::float8 as count, coalesce(sum(latency_ms), 0)::float8 as sum, ${bucketColumns("latency_ms", LATENCY_BUCKETS, 1000)}
      from network_ops where ${project} and latency_ms is not null group by host, operation order by host, operation`),
  ]);
  const lines = [
    ...histogram("event_duration_seconds", "Duration of finished task executions, by event name and status", DURATION_BUCKETS, durations, ["event_name", "status"], 1000),
    "# HELP event_retries_total Retries of task executions, by event name",
    "# TYPE event_retries_total counter",
    ...retries.map((r) => `event_retries_total${labels([["event_name", String(r.event_name)]])} ${number(num(r.retries))}`),
    "# HELP network_bytes_total Bytes of network operations, by host, operation and direction",
    "# TYPE network_bytes_total counter",
    ...bytes.flatMap((r) => [
      `network_bytes_total${labels([["host", String(r.host)], ["operation", String(r.operation)], ["direction", "sent"]])} ${number(num(r.sent))}`,
      `network_bytes_total${labels([["host", String(r.host)], ["operation", String(r.operation)], ["direction", "received"]])} ${number(num(r.received))}`,
    ]),
    ...histogram("network_latency_seconds", "Latency of finished network operations, by host and operation", LATENCY_BUCKETS, latencies, ["host", "operation"], 1000),
  ];
  return `${lines.join("\n")}\n${await selfMetrics.registry.metrics()}`;
}
