import { and, eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type Database } from "@/db";
import { addDays, dayOfMs, dayStartMs, listPartitions, PARTITIONED_TABLES } from "@/db/partitions";
import { networkOps, pipelineEvents, spans, traces } from "@/db/schema";
import { createTestProject, openOwnDatabase, testDriver } from "@/db/testing";
import { postgresAdminUrl } from "@/db/testing/postgres";
import { toApiError } from "@/lib/errors";
import { ingestNetworkOps, ingestPipelineEvents, ingestSpans } from "@/lib/ingest/native";
import { createPartitionsAhead, DAYS_AHEAD, dropExpiredPartitions, runMaintenance } from "./maintenance";
import { getRetention, updateRetention } from "./retention";

// Partitions, retention and the merges that must survive them, on a database of this file's own:
// retention drops days that other test files' rows live on.

let own: { database: Database; close: () => Promise<void> };
let database: Database;
beforeAll(async () => {
  own = await openOwnDatabase();
  database = own.database;
  await database.migrate();
});
afterAll(() => own.close());

const iso = (ms: number) => new Date(ms).toISOString();
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
let counter = 0;
const traceId = () => hex(++counter, 32);
const spanId = () => hex(++counter, 16);

const span = (trace: string, startMs: number, parent: string | null = null) => ({
  trace_id: trace,
  span_id: spanId(),
  parent_span_id: parent,
  name: "GET /",
  service_name: "api",
  start_time: iso(startMs),
  end_time: iso(startMs + 5),
});

describe("time partitions", () => {
  it("makes every telemetry table a table partitioned by range", async () => {
    const rows = await queryRows<{ name: string; strategy: string }>(
      database.db,
      sql`select c.relname as name, p.partstrat as strategy from pg_partitioned_table p join pg_class c on c.oid = p.partrelid`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.name, r.strategy]))).toEqual(
      Object.fromEntries(Object.keys(PARTITIONED_TABLES).map((t) => [t, "r"])),
    );
  });

  it("leads every primary key and unique index of telemetry with project_id and carries the partition column", async () => {
    // what a distributed Postgres (Citus) needs to distribute these tables by project_id without a rewrite
    const rows = await queryRows<{ table: string; index: string; columns: string[]; partition_column: string | null }>(
      database.db,
      sql`select t.relname as table, i.relname as index,
            array(select a.attname::text from unnest(x.indkey) with ordinality k(attnum, n)
                  join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum order by k.n) as columns,
            (select a.attname::text from pg_partitioned_table p join pg_attribute a
               on a.attrelid = p.partrelid and a.attnum = p.partattrs[0] where p.partrelid = t.oid) as partition_column
          from pg_index x
          join pg_class t on t.oid = x.indrelid
          join pg_class i on i.oid = x.indexrelid
          where x.indisunique and t.relkind = 'p'`,
    );
    expect(new Set(rows.map((r) => r.table))).toEqual(
      new Set(Object.keys(PARTITIONED_TABLES).filter((t) => t !== "metric_points")),
    );
    for (const row of rows) {
      expect(row.columns[0], row.index).toBe("project_id");
      expect(row.columns, row.index).toContain(row.partition_column);
    }
    const series = await queryRows<{ columns: string }>(
      database.db,
      sql`select pg_get_indexdef(x.indexrelid) as columns from pg_index x join pg_class t on t.oid = x.indrelid
          where t.relname = 'metric_series' and x.indisunique`,
    );
    for (const { columns } of series) expect(columns).toMatch(/\(project_id,/);
  });

  it("creates today's partitions and the next days' ahead of time, and again without error", async () => {
    const now = new Date();
    await createPartitionsAhead(database, now);
    await createPartitionsAhead(database, now);
    const partitions = await listPartitions(database.db);
    const today = dayOfMs(now.getTime());
    for (const table of Object.keys(PARTITIONED_TABLES)) {
      const days = partitions.filter((p) => p.table === table).map((p) => p.day);
      for (let i = 0; i <= DAYS_AHEAD; i++) expect(days).toContain(addDays(today, i));
    }
  });

  it("creates the partition of an older day a batch brings, and stores a retried batch once", async () => {
    const ctx = await createTestProject(database);
    const start = Date.now() - 4 * 86_400_000;
    const trace = traceId();
    const root = span(trace, start);
    const input = { spans: [root, span(trace, start + 10, root.span_id)] };
    expect(await ingestSpans({ ctx, input })).toMatchObject({ accepted: 2, rejected: 0 });
    expect(await ingestSpans({ ctx, input })).toMatchObject({ accepted: 2, rejected: 0 });

    const stored = await database.db.select().from(spans).where(eq(spans.projectId, ctx.projectId));
    expect(stored).toHaveLength(2);
    const [summary, ...more] = await database.db.select().from(traces).where(eq(traces.projectId, ctx.projectId));
    expect(more).toHaveLength(0);
    expect(summary).toMatchObject({ spanCount: 2, day: dayOfMs(start) });
    const days = (await listPartitions(database.db)).filter((p) => p.table === "spans").map((p) => p.day);
    expect(days).toContain(dayOfMs(start));
  });

  it("keeps one summary for a trace that crosses midnight, whichever half arrives first", async () => {
    const ctx = await createTestProject(database);
    const midnight = dayStartMs(dayOfMs(Date.now() - 2 * 86_400_000));
    for (const order of ["before first", "after first"] as const) {
      const trace = traceId();
      const before = span(trace, midnight - 1000);
      const after = span(trace, midnight + 1000, before.span_id);
      const [first, second] = order === "before first" ? [before, after] : [after, before];
      await ingestSpans({ ctx, input: { spans: [first] } });
      await ingestSpans({ ctx, input: { spans: [second] } });
      const rows = await database.db
        .select()
        .from(traces)
        .where(and(eq(traces.projectId, ctx.projectId), eq(traces.traceId, trace)));
      expect(rows, order).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        spanCount: 2,
        startTimeUnixNano: BigInt(midnight - 1000) * 1_000_000n,
        rootName: "GET /",
      });
    }
  });

  it("merges a task's reports into one row, a retry after midnight included", async () => {
    const ctx = await createTestProject(database);
    const midnight = dayStartMs(dayOfMs(Date.now() - 86_400_000));
    const task = { task_id: `task-${++counter}`, event_name: "resize" };
    await ingestPipelineEvents({ ctx, input: { events: [{ ...task, start_time: iso(midnight - 2000) }] } });
    await ingestPipelineEvents({
      ctx,
      input: {
        events: [
          { ...task, start_time: iso(midnight - 2000), end_time: iso(midnight - 1000), status: "failed", error: "x" },
        ],
      },
    });
    await ingestPipelineEvents({
      ctx,
      input: {
        events: [
          {
            ...task,
            start_time: iso(midnight + 1000),
            end_time: iso(midnight + 3000),
            retry_count: 1,
            status: "completed",
          },
        ],
      },
    });
    const rows = await database.db.select().from(pipelineEvents).where(eq(pipelineEvents.projectId, ctx.projectId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "completed", retryCount: 1, error: null, day: dayOfMs(midnight - 2000) });

    const op = { task_id: task.task_id, host: "db", port: 5432, operation: "query", start_time: iso(midnight - 500) };
    await ingestNetworkOps({ ctx, input: { operations: [op] } });
    await ingestNetworkOps({ ctx, input: { operations: [{ ...op, end_time: iso(midnight - 100), bytes_sent: 10 }] } });
    const ops = await database.db.select().from(networkOps).where(eq(networkOps.projectId, ctx.projectId));
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ bytesSent: 10, latencyMs: 400 });
  });
});

describe("retention", () => {
  it("answers each signal's days, where they come from, and what is stored", async () => {
    const ctx = await createTestProject(database);
    const view = await getRetention({ ctx });
    // the tests run with ten years of everything (vitest.config.ts)
    expect(view.traces).toMatchObject({ days: 3650, source: "environment", tables: ["spans", "traces"] });
    expect(view.pipeline.tables).toEqual(["pipeline_events", "network_ops"]);
    expect(view.traces.bytes).toBeGreaterThan(0);
    expect(view.traces.oldest_day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(view.logs.oldest_day).toBeNull();
  });

  it("refuses days out of range, naming the field, and changes nothing", async () => {
    const ctx = await createTestProject(database);
    for (const input of [{ traces: 0 }, { logs: 3651 }, { metrics: 1.5 }, { spans: 3 }, {}]) {
      const error = toApiError(await updateRetention({ ctx, input }).catch((e: unknown) => e));
      expect(error.code, JSON.stringify(input)).toBe("validation_failed");
    }
    const error = toApiError(await updateRetention({ ctx, input: { traces: 0 } }).catch((e: unknown) => e));
    expect(JSON.stringify(error.details)).toContain("traces");
    expect((await getRetention({ ctx })).traces.days).toBe(3650);
  });

  it("does not store records older than the retention or dated past tomorrow, and says why", async () => {
    const ctx = await createTestProject(database);
    await updateRetention({ ctx, input: { traces: 3 } });
    try {
      const trace = traceId();
      const now = Date.now();
      const result = await ingestSpans({
        ctx,
        input: {
          spans: [span(trace, now - 10 * 86_400_000), span(trace, now - 60_000), span(trace, now + 5 * 86_400_000)],
        },
      });
      expect(result.accepted).toBe(1);
      expect(result.rejected).toBe(2);
      expect(result.errors.map((e) => e.index)).toEqual([0, 2]);
      expect(result.errors[0]!.message).toContain("older than the traces retention (3 days)");
      expect(result.errors[1]!.message).toContain("more than a day ahead");
      const stored = await database.db.select().from(spans).where(eq(spans.projectId, ctx.projectId));
      expect(stored).toHaveLength(1);
      const days = (await listPartitions(database.db)).map((p) => p.day);
      expect(days).not.toContain(dayOfMs(now + 5 * 86_400_000));
    } finally {
      await updateRetention({ ctx, input: { traces: 3650 } });
    }
  });

  it("drops whole partitions older than each signal's retention and keeps the rest", async () => {
    const ctx = await createTestProject(database);
    const now = new Date();
    const today = dayOfMs(now.getTime());
    // one span on each of the last 12 days, today's before now whatever the hour
    const offset = Math.min(3_600_000, Math.floor((now.getTime() - dayStartMs(today)) / 2));
    for (let i = 0; i < 12; i++) {
      const start = dayStartMs(addDays(today, -i)) + offset;
      await ingestSpans({ ctx, input: { spans: [span(traceId(), start)] } });
    }
    await ingestPipelineEvents({
      ctx,
      input: { events: [{ task_id: "old", event_name: "x", start_time: iso(dayStartMs(addDays(today, -11))) }] },
    });
    await updateRetention({ ctx, input: { traces: 5, pipeline: 20 } });
    try {
      const result = await runMaintenance(database, now);
      expect(result.ran).toBe(true);
      const dropped = result.dropped.map((p) => `${p.table}/${p.day}`);
      // traces keep today and the five days before it
      for (let i = 6; i < 12; i++) {
        expect(dropped).toContain(`spans/${addDays(today, -i)}`);
        expect(dropped).toContain(`traces/${addDays(today, -i)}`);
      }
      expect(dropped.filter((d) => d.startsWith("pipeline_events/"))).toEqual([]);
      const left = (await listPartitions(database.db)).filter((p) => p.table === "spans").map((p) => p.day);
      for (let i = 0; i <= 5; i++) expect(left).toContain(addDays(today, -i));
      expect(left.every((day) => day >= addDays(today, -5))).toBe(true);

      const kept = await database.db.select().from(spans).where(eq(spans.projectId, ctx.projectId));
      expect(kept).toHaveLength(6);
      const view = await getRetention({ ctx });
      expect(view.traces.oldest_day).toBe(addDays(today, -5));
      expect(view.pipeline.oldest_day).toBe(addDays(today, -11));
      // nothing more to drop
      expect((await runMaintenance(database, now)).dropped).toEqual([]);
    } finally {
      await updateRetention({ ctx, input: { traces: 3650, pipeline: 3650 } });
    }
  });

  describe.runIf(testDriver === "postgres")("with other nodes (Postgres)", () => {
    it("lets one node drop at a time: a pass finds the lock held and drops nothing", async () => {
      const ctx = await createTestProject(database);
      const day = addDays(dayOfMs(Date.now()), -30);
      await ingestSpans({ ctx, input: { spans: [span(traceId(), dayStartMs(day) + 1000)] } });
      await updateRetention({ ctx, input: { traces: 7 } });
      const other = postgres(await connectionUrl(database), { max: 1, onnotice: () => {} });
      try {
        await other`select pg_advisory_lock(${0x74647274})`;
        const result = await dropExpiredPartitions(database, new Date());
        expect(result).toEqual({ ran: false, dropped: [] });
        expect((await listPartitions(database.db)).map((p) => p.day)).toContain(day);
        await other`select pg_advisory_unlock(${0x74647274})`;

        // a table another session holds locked: the pass fails, drops nothing, and the next one does it
        const blocker = other.begin(async (tx) => {
          await tx`lock table ${tx(`spans_p${day.replace(/-/g, "")}`)} in access share mode`;
          await new Promise((r) => setTimeout(r, 3000));
        });
        await new Promise((r) => setTimeout(r, 200));
        await expect(dropExpiredPartitions(database, new Date())).rejects.toThrow();
        expect((await listPartitions(database.db)).map((p) => p.day)).toContain(day);
        await blocker;
        const again = await dropExpiredPartitions(database, new Date());
        expect(again.dropped.map((p) => p.day)).toContain(day);
      } finally {
        await other.end();
        await updateRetention({ ctx, input: { traces: 3650 } });
      }
    });
  });
});

/** The URL of a Postgres test database, read back from the server. */
async function connectionUrl(db: Database): Promise<string> {
  const [row] = await queryRows<{ name: string }>(db.db, sql`select current_database() as name`);
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${row!.name}`;
  return url.toString();
}
