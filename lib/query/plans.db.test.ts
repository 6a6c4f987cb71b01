import { sql, TransactionRollbackError } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, queryRows, type Database } from "@/db";
import { createScratchDatabase } from "@/db/testing/postgres";
import { addDays, createPartitions, dayOfMs, daysBetween } from "@/db/partitions";
import { createTestProject, testDriver } from "@/db/testing";
import type { Ctx } from "@/lib/auth/context";
import { ingestLogs, ingestPipelineEvents, ingestSpans } from "@/lib/ingest/native";
import { searchLogs, LogSearchQuery } from "./logs";
import { listPipelineEvents, listSlowEvents, PipelineEventsQuery, SlowQuery } from "./pipeline";
import { getTrace, searchTraces, TraceSearchQuery } from "./traces";

// What the planner does with the queries the services send: they must be able to use their
// indexes (sequential scans are turned off, so a query no index can serve still scans, and the
// test sees it), and never sort what an index already orders.

const queries: { query: string; params: unknown[] }[] = [];
/** the first span's start: an hour ago (span i starts i × 800 ms later) */
const START = Date.now() - 3_600_000;
let database: Database;
let close: () => Promise<void>;
let ctx: Ctx;

beforeAll(async () => {
  const logQuery = (query: string, params: unknown[]) => void queries.push({ query, params });
  if (testDriver === "postgres") {
    const scratch = await createScratchDatabase("tracedeck_plans");
    database = openDatabase({ driver: "postgres", url: scratch.url, poolSize: 1, logQuery });
    close = async () => {
      await database.close();
      await scratch.drop();
    };
  } else {
    database = openDatabase({ driver: "pglite", logQuery });
    close = () => database.close();
  }
  await database.migrate();
  ctx = await createTestProject(database);
  const now = START + 3_600_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  // enough rows that reading the whole range costs more than the index: 4,000 spans, 1,000 customers
  const spans = Array.from({ length: 4000 }, (_, i) => ({
    trace_id: ((i % 400) + 1).toString(16).padStart(32, "0"),
    span_id: (i + 1).toString(16).padStart(16, "0"),
    name: `op-${i % 5}`,
    service_name: `svc-${i % 3}`,
    start_time: iso(now - 3_600_000 + i * 800),
    end_time: iso(now - 3_600_000 + i * 800 + 20),
    attributes: { "customer.id": `c-${i % 1000}`, "http.status_code": 200 },
  }));
  for (let i = 0; i < spans.length; i += 1000) await ingestSpans({ ctx, input: { spans: spans.slice(i, i + 1000) } });
  await ingestLogs({
    ctx,
    input: { logs: spans.map((s, i) => ({ message: `m${i}`, timestamp: s.start_time, attributes: s.attributes })) },
  });
  await ingestPipelineEvents({
    ctx,
    input: {
      events: Array.from({ length: 300 }, (_, i) => ({
        task_id: `t-${i}`,
        event_name: "resize",
        start_time: iso(now - 3_600_000 + i * 1000),
        end_time: iso(now - 3_600_000 + i * 1000 + (i % 50) * 100),
        status: i % 10 === 0 ? "failed" : "completed",
      })),
    },
  });
  await database.db.execute(sql`analyze`);
});
afterAll(() => close());

/** The plan of the last query a service verb sent, with sequential scans off. */
async function planOf(run: () => Promise<unknown>): Promise<string> {
  queries.length = 0;
  await run();
  const last = queries.at(-1)!;
  // parameters inlined as untyped literals: each takes the type its place in the query asks for
  const text = last.query.replace(/\$(\d+)/g, (_, n: string) => {
    const value = last.params[Number(n) - 1];
    return value === null || value === undefined ? "null" : `'${String(value).replace(/'/g, "''")}'`;
  });
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    const rows = await queryRows<{ "QUERY PLAN": string }>(tx, sql.raw(`explain ${text}`));
    return rows.map((r) => r["QUERY PLAN"]).join("\n");
  });
}

describe("query plans", () => {
  it("finds traces by a span attribute through the attributes index", async () => {
    const plan = await planOf(() =>
      searchTraces({ ctx, input: TraceSearchQuery.parse({ attr: "customer.id:c-7", from: "now-24h" }) }),
    );
    expect(plan).toMatch(/Bitmap Index Scan on spans_p\d+_\w*idx/);
    expect(plan).not.toMatch(/Seq Scan on spans/);
    // and the answer is right: spans 7, 1007, 2007 and 3007 hold c-7; they belong to traces 8 and 208, newest first
    const { traces } = await searchTraces({
      ctx,
      input: TraceSearchQuery.parse({ attr: "customer.id:c-7", from: "now-24h" }),
    });
    expect(traces.map((t) => t.trace_id)).toEqual([(208).toString(16).padStart(32, "0"), "8".padStart(32, "0")]);
    const numeric = await searchTraces({
      ctx,
      input: TraceSearchQuery.parse({ attr: "http.status_code:200", limit: "1000", from: "now-24h" }),
    });
    expect(numeric.traces).toHaveLength(400);
  });

  it("finds logs by attribute through the attributes index", async () => {
    const plan = await planOf(() =>
      searchLogs({ ctx, input: LogSearchQuery.parse({ attr: "customer.id:c-7", from: "now-24h" }) }),
    );
    expect(plan).toMatch(/Bitmap Index Scan on logs_p\d+_\w*idx/);
    const { logs } = await searchLogs({
      ctx,
      input: LogSearchQuery.parse({ attr: "customer.id:c-7", from: "now-24h" }),
    });
    expect(logs).toHaveLength(4);
  });

  it("reads failed events in start order from an index, without sorting every match", async () => {
    const plan = await planOf(() =>
      listPipelineEvents({ ctx, input: PipelineEventsQuery.parse({ status: "failed", limit: "5" }) }),
    );
    expect(plan).not.toMatch(/Sort Key: \(to_char/);
    expect(plan).not.toMatch(/^\s*->\s*Sort\b/m);
    expect(plan).toMatch(/Index Scan Backward using pipeline_events_p\d+_\w*status\w*idx/);
  });

  it("reads slow events slowest first from the duration index", async () => {
    const plan = await planOf(() =>
      listSlowEvents({ ctx, input: SlowQuery.parse({ threshold_seconds: "1", limit: "5" }) }),
    );
    expect(plan).not.toMatch(/^\s*->\s*Sort\b/m);
    expect(plan).toMatch(/Index Scan Backward using pipeline_events_p\d+_\w*duration\w*idx/);
    const { events } = await listSlowEvents({ ctx, input: SlowQuery.parse({ threshold_seconds: "4", limit: "3" }) });
    expect(events.map((e) => e.duration_ms)).toEqual([4900, 4900, 4900]);
  });

  it("reads a trace's spans from the partitions of the days it ran only", async () => {
    const today = dayOfMs(Date.now());
    const days = daysBetween(addDays(today, -3), addDays(today, 2));
    await createPartitions(database.db, ["spans"], days);
    const partition = (day: string) => `spans_p${day.replace(/-/g, "")}`;
    // The lookup runs inside a function, where EXPLAIN cannot see. What it opened can be seen: a query holds a
    // lock on each partition it plans until its transaction ends, and a partition the planner prunes is never
    // opened.
    const lookUp = async (traceId: string, { withoutSummary = false } = {}) => {
      let seen: { spans: unknown[]; opened: string[] } | undefined;
      await database.db
        .transaction(async (tx) => {
          if (withoutSummary)
            await tx.execute(sql`delete from traces where project_id = ${ctx.projectId} and trace_id = ${traceId}`);
          const { spans } = await getTrace({ ctx: { ...ctx, db: tx }, input: { trace_id: traceId } });
          const opened = await queryRows<{ name: string }>(
            tx,
            sql`select c.relname as name from pg_locks l join pg_class c on c.oid = l.relation
              where l.pid = pg_backend_pid() and c.relname ~ '^spans_p[0-9]+$' order by 1`,
          );
          seen = { spans, opened: opened.map((r) => r.name) };
          tx.rollback(); // the summary deleted above comes back
        })
        .catch((error: unknown) => {
          if (!(error instanceof TransactionRollbackError)) throw error;
        });
      return seen!;
    };
    // six days of partitions; the summary's bounds leave out all but the days its spans ran (today's, and
    // yesterday's too in the first hour after midnight UTC): spans 0, 400, … 3,600 make trace 1
    const found = await lookUp("1".padStart(32, "0"));
    expect(found.spans).toHaveLength(10);
    const ran = new Set(Array.from({ length: 10 }, (_, k) => dayOfMs(START + k * 400 * 800)));
    expect(found.opened).toEqual([...ran].sort().map(partition));
    expect(found.opened.length).toBeLessThan(days.length);
    // without its summary the trace is still found, on every day
    const unbounded = await lookUp("2".padStart(32, "0"), { withoutSummary: true });
    expect(unbounded.spans).toHaveLength(10);
    expect(unbounded.opened).toEqual(days.map(partition).sort());
  });
});
