import { openDatabase } from "@/db";
import { evaluateAlerts } from "@/lib/alerts/evaluate";
import { createRule } from "@/lib/alerts/rules";
import type { Ctx } from "@/lib/auth/context";
import { ingestMetrics } from "@/lib/ingest/native";
import { ingestPublisherStatus } from "@/lib/publishers/manage";
import { refreshAllRollups } from "@/lib/storage/rollups";
import { EVENT_NAMES, OPERATIONS, SERVICES, withQueryData } from "./query";
import { afterLoad } from "./scale-data";

// Alert evaluation at volume: 1,000 rules of every kind over the query benchmark's data set (1M spans,
// 1M pipeline events, 200k network operations over 24 h, rolled up as the server rolls them up), plus
// metrics and publishers. Each simulated minute evaluates every rule through one connection, so the
// evaluation's wall time bounds the database time it took from above; pg_stat_database.active_time of
// the bench's database (which nothing else uses, but autovacuum does) is printed beside it. Target: 5 s
// of database time per minute.

const RULES = Number(process.env.BENCH_ALERT_RULES ?? 1000);
const MINUTES = Number(process.env.BENCH_ALERT_MINUTES ?? 5);
const TARGET_DB_MS = 5000;
const WINDOWS = [5, 10, 15, 30, 60];
const METRICS = ["system.cpu.utilization", "process.memory.usage", "queue.depth"];

/** The i-th rule of a mix like a team's: mostly services and pipelines, then network, metrics, publishers, absence. */
function ruleOf(i: number): Record<string, unknown> {
  const window_minutes = WINDOWS[i % WINDOWS.length]!;
  const op = i % 3 === 0 ? "below" : "above";
  const slot = i % 20;
  if (slot < 8) {
    const measure = ["error_rate", "request_rate", "p50_ms", "p95_ms", "p99_ms"][i % 5]!;
    return {
      kind: "service",
      service: SERVICES[i % SERVICES.length],
      ...(i % 2 ? { operation: OPERATIONS[i % OPERATIONS.length] } : {}),
      measure,
      op,
      threshold: measure === "error_rate" ? 0.05 : measure === "request_rate" ? 1 : 500,
      window_minutes,
    };
  }
  if (slot < 13) {
    const measure = ["failure_rate", "failures", "retries", "p95_duration_ms", "stuck"][i % 5]!;
    return {
      kind: "pipeline",
      event_name: EVENT_NAMES[i % EVENT_NAMES.length],
      measure,
      stuck_minutes: 30,
      op,
      threshold: measure === "failure_rate" ? 0.05 : measure === "p95_duration_ms" ? 5000 : 10,
      window_minutes,
    };
  }
  if (slot < 16)
    return {
      kind: "network",
      host: `host-${i % 20}`,
      port: 443,
      measure: i % 2 ? "error_rate" : "p95_latency_ms",
      op,
      threshold: i % 2 ? 0.03 : 2000,
      window_minutes,
    };
  if (slot < 18)
    return {
      kind: "metric",
      metric: METRICS[i % METRICS.length],
      agg: ["avg", "max", "p95", "rate"][i % 4],
      group_by: i % 2 ? ["host"] : [],
      op,
      threshold: 50,
      window_minutes,
    };
  if (slot < 19) return { kind: "publisher", publisher: `publisher-${i % 5}`, when: i % 2 ? "failing" : "degraded" };
  return {
    kind: "absence",
    source: i % 2 ? "service" : "pipeline_event",
    name: i % 2 ? SERVICES[i % SERVICES.length] : EVENT_NAMES[i % EVENT_NAMES.length],
    window_minutes,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function benchAlerts(): Promise<void> {
  return withQueryData("alerts", async ({ url, database, sql, projectId, now }) => {
    const started = performance.now();
    const ctx: Ctx = { database, db: database.db, projectId, scopes: ["admin", "read"], now: () => new Date(now) };
    // the last hour of 3 metrics × 20 hosts, a point a minute, through ingest
    for (const name of METRICS)
      await ingestMetrics({
        ctx,
        input: Array.from({ length: 20 * 60 }, (_, i) => ({
          name,
          metric_type: "gauge",
          value: (i * 37) % 100,
          tags: { host: `host-${i % 20}` },
          timestamp: new Date(now - 3_600_000 + Math.floor(i / 20) * 60_000).toISOString(),
        })),
      });
    await ingestPublisherStatus({
      ctx,
      input: Array.from({ length: 5 }, (_, i) => ({
        name: `publisher-${i}`,
        type: "elasticsearch",
        state: ["healthy", "degraded", "failing", "healthy", "healthy"][i],
      })),
    });
    await afterLoad(sql);
    const minutes = await refreshAllRollups(database);
    await sql`vacuum analyze`;
    console.log(
      `added 3,600 metric points and 5 publishers, and rolled up ${minutes.toLocaleString("en")} minutes in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    for (let i = 0; i < RULES; i++)
      await createRule({
        ctx,
        input: { name: `rule ${i}`, condition: ruleOf(i), for_minutes: i % 3, severity: "warning" },
      });
    const kinds = new Map<string, number>();
    for (let i = 0; i < RULES; i++) kinds.set(String(ruleOf(i).kind), (kinds.get(String(ruleOf(i).kind)) ?? 0) + 1);
    console.log(
      `${RULES} rules: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(", ")}; windows ${WINDOWS.join(", ")} min`,
    );

    const activeMs = async () => {
      // a backend flushes its statistics when it goes idle, or, when it flushed less than a second before, once it
      // has been idle 10 s (PGSTAT_IDLE_INTERVAL)
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      const [row] = await sql`select active_time from pg_stat_database where datname = current_database()`;
      return Number(row!.active_time);
    };
    // one connection: the database works on one statement of the evaluation at a time
    const evaluator = openDatabase({ driver: "postgres", url, poolSize: 1 });
    const dbTimes: number[] = [];
    const wallTimes: number[] = [];
    for (let m = 1; m <= MINUTES; m++) {
      const before = await activeMs();
      const at = new Date(Math.floor(now / 60_000) * 60_000 + m * 60_000 + 5_000);
      const t0 = performance.now();
      const result = await evaluateAlerts(evaluator, { now: at, projectId });
      const wall = performance.now() - t0;
      const db = (await activeMs()) - before;
      dbTimes.push(db);
      wallTimes.push(wall);
      const [states] = await sql`select count(*) filter (where state = 'firing')::int as firing,
          count(*) filter (where state = 'pending')::int as pending, count(*) filter (where state = 'no_data')::int as no_data
        from alert_states`;
      console.log(
        `minute ${m}: ${result.evaluated} rules evaluated in ${wall.toFixed(0)} ms wall on one connection; ` +
          `database active ${db.toFixed(0)} ms; ` +
          `${result.changes} changes; ${states!.firing} groups firing, ${states!.pending} pending, ${states!.no_data} no data`,
      );
    }
    await evaluator.close();
    const wallMedian = median(wallTimes);
    console.log(
      `median of ${MINUTES} minutes: ${wallMedian.toFixed(0)} ms wall on one connection (at least the database time), ` +
        `database active ${median(dbTimes).toFixed(0)} ms; the slowest minute ${Math.max(...wallTimes).toFixed(0)} ms wall ` +
        `(target ≤ ${TARGET_DB_MS} ms of database time per minute${wallMedian <= TARGET_DB_MS ? "" : ", MISSED"})`,
    );
  });
}
