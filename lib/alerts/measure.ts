import { sql } from "drizzle-orm";
import { queryRows } from "@/db";
import type { Range } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { dateToNanos } from "@/lib/model/time";
import { MetricQuery, queryMetric } from "@/lib/query/metrics";
import { perHostPort, rolledNetwork, rolledPipeline, type PipelineGroupRow } from "@/lib/query/pipeline/rolled";
import { tasksInRange } from "@/lib/query/pipeline/range";
import { planRollup, rawPlan } from "@/lib/query/rollup-plan";
import { rolledRed } from "@/lib/query/services";
import { nanosToTimestamp } from "@/lib/query/sql";
import { addHistograms, histogramQuantile } from "@/lib/storage/histogram";
import type { Condition } from "./condition";

// The values alert rules compare, for every rule of a project at once: rules of a kind share one
// query per window length (a thousand rules over five windows read five times, not a thousand),
// over the rollups and the raw rows not yet rolled up, as the dashboard's pages read them.

/** One group's measurement: its value, or null with no data to judge by (and why, when the target is unknown). */
export interface Observation {
  groupKey: string;
  labels: Record<string, string>;
  value: number | null;
  /** the target has sent nothing recently: the rule says so rather than fires */
  unknown?: string;
}

export interface MeasuredRule {
  id: string;
  condition: Condition;
}

const MINUTE_NANOS = 60_000_000_000n;
/** How far back a target counts as known: a service silent for longer is unknown, not absent. */
export const KNOWN_DAYS = 7;
/** How far back pending tasks are looked for when counting stuck ones. */
const STUCK_LOOKBACK_NANOS = 24n * 60n * MINUTE_NANOS;

const single = (value: number | null, unknown?: string): Observation[] => [
  { groupKey: "", labels: {}, value, ...(unknown ? { unknown } : {}) },
];

/** Memoizes by key: each window's query runs once for every rule that reads it. */
function memo<T>(): (key: string, load: () => Promise<T>) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (key, load) => {
    let found = cache.get(key);
    if (!found) cache.set(key, (found = load()));
    return found;
  };
}

type Source = "spans" | "pipeline" | "network";

/** Measures every rule of one project at `ctx.now()`; a rule whose query fails gets its error. */
export async function measureRules(ctx: Ctx, rules: MeasuredRule[]): Promise<Map<string, Observation[] | Error>> {
  const now = dateToNanos(ctx.now());
  const windowRange = (minutes: number): Range => ({ from: now - BigInt(minutes) * MINUTE_NANOS, to: now });
  const planFor = async (source: Source, range: Range) => (await planRollup(ctx, source, range)) ?? rawPlan(range);

  const byWindow = memo<unknown>();
  const red = (group: "service_name" | "name", minutes: number) =>
    byWindow(`red:${group}:${minutes}`, async () => {
      const range = windowRange(minutes);
      return rolledRed(ctx, range, await planFor("spans", range), { group });
    }) as ReturnType<typeof rolledRed>;
  const pipeline = (minutes: number) =>
    byWindow(`pipeline:${minutes}`, async () => {
      const range = windowRange(minutes);
      return rolledPipeline(ctx, range, await planFor("pipeline", range), {});
    }) as Promise<PipelineGroupRow[]>;
  const network = (minutes: number) =>
    byWindow(`network:${minutes}`, async () => {
      const range = windowRange(minutes);
      return perHostPort(await rolledNetwork(ctx, range, await planFor("network", range), {}));
    }) as Promise<ReturnType<typeof perHostPort>>;
  const stuck = (minutes: number) =>
    byWindow(`stuck:${minutes}`, async () => {
      const before = now - BigInt(minutes) * MINUTE_NANOS;
      const rows = await queryRows<{ event_name: string; n: number }>(
        ctx.db,
        sql`select event_name, count(*)::float8 as n from pipeline_events
            where project_id = ${ctx.projectId} and status = 'pending'
              and ${tasksInRange({ from: before - STUCK_LOOKBACK_NANOS, to: before })}
            group by event_name`,
      );
      return new Map(rows.map((r) => [r.event_name, r.n]));
    }) as Promise<Map<string, number>>;
  const known = (source: Source) =>
    byWindow(`known:${source}`, () => knownTargets(ctx, source, now)) as Promise<Set<string>>;
  const publishers = () =>
    byWindow("publishers", () =>
      queryRows<{ name: string; state: string }>(
        ctx.db,
        sql`select p.name, s.state from publishers p join publisher_status s on s.publisher_id = p.id
            where p.project_id = ${ctx.projectId}`,
      ),
    ) as Promise<{ name: string; state: string }[]>;

  /** No rows in the window: zero when the target is known, else said to be unknown. */
  const absent = async (source: Source, key: string, what: string, zero: number | null) =>
    (await known(source)).has(key)
      ? single(zero)
      : single(null, `no ${what} has sent data in the last ${KNOWN_DAYS} days`);

  const measureOne = async (c: Condition): Promise<Observation[]> => {
    switch (c.kind) {
      case "service": {
        const seconds = c.window_minutes * 60;
        const rows = c.operation
          ? (await red("name", c.window_minutes)).filter((r) => r.service === c.service && r.name === c.operation)
          : (await red("service_name", c.window_minutes)).filter((r) => r.service === c.service);
        const r = rows[0];
        const what = c.operation ? `operation ${c.operation} of service ${c.service}` : `service ${c.service}`;
        const zero = c.measure === "request_rate" ? 0 : null;
        if (!r || r.span_count === 0)
          return absent("spans", c.operation ? `${c.service}\u0000${c.operation}` : c.service, what, zero);
        // an operation that handles no requests (a client or internal one) is measured by its spans
        const requests = r.request_count > 0;
        const value = {
          error_rate: requests ? r.error_count / r.request_count : r.span_error_count / r.span_count,
          request_rate: (requests ? r.request_count : r.span_count) / seconds,
          p50_ms: requests ? r.p50_ms : r.span_p50_ms,
          p95_ms: requests ? r.p95_ms : r.span_p95_ms,
          p99_ms: requests ? r.p99_ms : r.span_p99_ms,
        }[c.measure];
        return single(value);
      }
      case "pipeline": {
        if (c.measure === "stuck") {
          const n = (await stuck(c.stuck_minutes)).get(c.event_name);
          return n !== undefined ? single(n) : absent("pipeline", c.event_name, `pipeline event ${c.event_name}`, 0);
        }
        const rows = (await pipeline(c.window_minutes)).filter((r) => r.event_name === c.event_name);
        const zero = c.measure === "failures" || c.measure === "retries" ? 0 : null;
        if (rows.length === 0) return absent("pipeline", c.event_name, `pipeline event ${c.event_name}`, zero);
        const runs = (status: string) => rows.filter((r) => r.status === status).reduce((n, r) => n + r.runs, 0);
        const failed = runs("failed");
        const finished = failed + runs("completed");
        if (c.measure === "failures") return single(failed);
        if (c.measure === "retries") return single(rows.reduce((n, r) => n + r.retries, 0));
        if (c.measure === "failure_rate") return single(finished ? failed / finished : null);
        const histogram = rows
          .filter((r) => r.status !== "pending")
          .reduce<number[]>((h, r) => addHistograms(h, r.histogram), []);
        return single(histogramQuantile(histogram, 0.95));
      }
      case "network": {
        const r = (await network(c.window_minutes)).find((h) => h.host === c.host && h.port === c.port);
        if (!r || r.operations === 0) return absent("network", `${c.host}:${c.port}`, `host ${c.host}:${c.port}`, null);
        return single(c.measure === "error_rate" ? r.errors / r.operations : r.p95_ms);
      }
      case "metric":
        return measureMetric(ctx, c, now);
      case "publisher": {
        const states = (await publishers()).filter((p) => p.name === c.publisher).map((p) => p.state);
        if (states.length === 0) return single(null, `no publisher is named ${c.publisher}`);
        const bad = c.when === "failing" ? ["failing"] : ["failing", "degraded"];
        return single(states.some((s) => bad.includes(s)) ? 1 : 0);
      }
      case "absence": {
        const seen =
          c.source === "service"
            ? (await red("service_name", c.window_minutes))
                .filter((r) => r.service === c.name)
                .reduce((n, r) => n + r.span_count, 0)
            : (await pipeline(c.window_minutes)).filter((r) => r.event_name === c.name).reduce((n, r) => n + r.runs, 0);
        if (seen > 0) return single(seen);
        const source = c.source === "service" ? "spans" : "pipeline";
        const what = c.source === "service" ? `service ${c.name}` : `pipeline event ${c.name}`;
        return absent(source, c.name, what, 0);
      }
    }
  };

  const out = new Map<string, Observation[] | Error>();
  await Promise.all(
    rules.map(async (rule) => {
      try {
        out.set(rule.id, await measureOne(rule.condition));
      } catch (error) {
        out.set(rule.id, error instanceof Error ? error : new Error(String(error)));
      }
    }),
  );
  return out;
}

/**
 * The services (and `service\0operation`s), pipeline event names or host:ports with rollups in the last
 * KNOWN_DAYS days: hour rollups for the whole hours, minute rollups for the last two hours (hours are
 * rolled up after they close).
 */
async function knownTargets(ctx: Pick<Ctx, "db" | "projectId">, source: Source, now: bigint): Promise<Set<string>> {
  const days = nanosToTimestamp(now - BigInt(KNOWN_DAYS) * 24n * 60n * MINUTE_NANOS);
  const hours = nanosToTimestamp(now - 120n * MINUTE_NANOS);
  const recent = sql`project_id = ${ctx.projectId} and ((step_seconds = 3600 and time >= ${days}) or (step_seconds = 60 and time >= ${hours}))`;
  const query = {
    spans: sql`select distinct service_name as a, name as b from span_rollups where ${recent}`,
    pipeline: sql`select distinct event_name as a, '' as b from pipeline_rollups where ${recent}`,
    network: sql`select distinct host as a, port::text as b from network_rollups where ${recent}`,
  }[source];
  const rows = await queryRows<{ a: string; b: string }>(ctx.db, query);
  const out = new Set<string>();
  for (const r of rows) {
    if (source === "spans") out.add(r.a).add(`${r.a}\u0000${r.b}`);
    else out.add(source === "network" ? `${r.a}:${r.b}` : r.a);
  }
  return out;
}

/** How a metric rule reduces its window's per-minute values to one. */
function reduce(agg: string, values: number[]): number {
  if (agg === "max") return Math.max(...values);
  if (agg === "min") return Math.min(...values);
  if (agg === "sum" || agg === "count") return values.reduce((a, b) => a + b, 0);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * A metric rule's value per group: the explorer's aggregation per minute over the window, reduced to one value
 * (the largest of maxima, the smallest of minima, the total of sums and counts, the mean of the others).
 */
async function measureMetric(ctx: Ctx, c: Extract<Condition, { kind: "metric" }>, now: bigint): Promise<Observation[]> {
  const from = new Date(Number((now - BigInt(c.window_minutes) * MINUTE_NANOS) / 1_000_000n)).toISOString();
  const result = await queryMetric({
    ctx,
    input: MetricQuery.parse({
      name: c.metric,
      agg: c.agg,
      step: "60s",
      tag: c.tags,
      group_by: c.group_by.join(","),
      from,
      to: ctx.now().toISOString(),
    }),
  });
  if (result.type === null)
    return single(null, `no series of the metric ${c.metric}${c.tags.length ? ` with ${c.tags.join(", ")}` : ""}`);
  const groups = result.series
    .map((s) => ({ labels: s.tags, values: s.points.map(([, v]) => v).filter(Number.isFinite) }))
    .filter((g) => g.values.length > 0);
  if (groups.length === 0) return single(null);
  return groups.map((g) => ({
    groupKey: c.group_by.map((k) => `${k}=${g.labels[k] ?? ""}`).join(","),
    labels: g.labels,
    value: reduce(c.agg, g.values),
  }));
}
