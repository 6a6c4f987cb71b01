import { rmSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type Database } from "@/db";
import { addDays, dayOfMs, dayStartMs } from "@/db/partitions";
import { createTestProject, migrationsUpTo, openOwnDatabase } from "@/db/testing";
import type { Ctx } from "@/lib/auth/context";
import { ingestNetworkOps, ingestPipelineEvents } from "@/lib/ingest/native";
import { IngestWriter } from "@/lib/ingest/writer";
import type { RecordBatch } from "@/lib/model/records";
import { runMaintenance } from "@/lib/storage/maintenance";
import { updateRetention } from "@/lib/storage/retention";
import { refreshAllRollups } from "@/lib/storage/rollups";
import { pipelineSeries, renderSeries } from "./exposition";

// GET /metrics's pipeline series are Prometheus counters: whatever happens to the stored rows (a
// task retried, reports merged, a batch sent twice, rollups, retention dropping days, an upgrade
// from before the counters), no sample ever goes down. On a database of this file's own: retention
// drops days that other test files' rows live on.

let own: { database: Database; close: () => Promise<void> };
let database: Database;
beforeAll(async () => {
  own = await openOwnDatabase();
  database = own.database;
  await database.migrate();
});
afterAll(() => own.close());

const T = 1_763_787_600; // 2025-11-22T05:00:00Z, in seconds

/** The samples GET /metrics's pipeline families answer, by series. */
async function samples(ctx: Pick<Ctx, "db" | "projectId">): Promise<Map<string, number>> {
  const lines = renderSeries(await pipelineSeries(ctx.db, ctx.projectId));
  return new Map(
    lines
      .filter((line) => !line.startsWith("#"))
      .map((line) => {
        const at = line.lastIndexOf(" ");
        return [line.slice(0, at), Number(line.slice(at + 1))];
      }),
  );
}

/** The series of `before` that `after` lacks or holds a smaller value of: a counter reset to Prometheus. */
function resets(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...before].filter(([series, value]) => !((after.get(series) ?? -1) >= value)).map(([series]) => series);
}

const task = { event_name: "resize", task_id: "task-1", process_id: 7 };

describe("GET /metrics's pipeline counters", () => {
  it("keep a failed attempt counted when its task is retried and completes", async () => {
    const ctx = await createTestProject(database);
    // as the SDK reports a task that fails once: started, failed, started again (one retry), completed
    const reports = [
      { ...task, start_time: T, status: "pending" },
      { ...task, start_time: T, end_time: T + 2, status: "failed", error: "disk full" },
      { ...task, start_time: T + 5, status: "pending", retry_count: 1 },
      { ...task, start_time: T + 5, end_time: T + 5.5, status: "completed", retry_count: 1 },
    ];
    let before = await samples(ctx);
    const seen: Map<string, number>[] = [];
    for (const report of reports) {
      expect((await ingestPipelineEvents({ ctx, input: { events: [report] } })).accepted).toBe(1);
      const after = await samples(ctx);
      expect(resets(before, after)).toEqual([]);
      seen.push(after);
      before = after;
    }
    const failed = 'event_name="resize",status="failed"';
    const completed = 'event_name="resize",status="completed"';
    expect(seen[0]!.get('event_retries_total{event_name="resize"}')).toBe(0);
    expect(seen[0]!.get(`event_duration_seconds_count{${failed}}`)).toBeUndefined();
    expect(seen[1]!.get(`event_duration_seconds_count{${failed}}`)).toBe(1);
    expect(seen[1]!.get(`event_duration_seconds_sum{${failed}}`)).toBe(2);
    expect(seen[1]!.get(`event_duration_seconds_bucket{${failed},le="2.5"}`)).toBe(1);
    expect(seen[1]!.get(`event_duration_seconds_bucket{${failed},le="1"}`)).toBe(0);
    const last = seen[3]!;
    // the failure is still counted; the completion (the task's duration, from its first start) counted once
    expect(last.get(`event_duration_seconds_count{${failed}}`)).toBe(1);
    expect(last.get(`event_duration_seconds_count{${completed}}`)).toBe(1);
    expect(last.get(`event_duration_seconds_sum{${completed}}`)).toBe(5.5);
    expect(last.get(`event_duration_seconds_bucket{${completed},le="10"}`)).toBe(1);
    expect(last.get(`event_duration_seconds_bucket{${completed},le="5"}`)).toBe(0);
    expect(last.get('event_retries_total{event_name="resize"}')).toBe(1);

    // the stored task itself is the completed one, as before
    const [row] = await queryRows<{ status: string; retry_count: number }>(
      ctx.db,
      sql`select status, retry_count from pipeline_events where project_id = ${ctx.projectId}`,
    );
    expect(row).toEqual({ status: "completed", retry_count: 1 });

    // late, stale and repeated reports count nothing
    for (const report of [reports[1]!, reports[0]!, reports[3]!, reports[2]!]) {
      await ingestPipelineEvents({ ctx, input: { events: [report] } });
    }
    expect(await samples(ctx)).toEqual(last);

    // a second failure of a later attempt is a new outcome
    await ingestPipelineEvents({
      ctx,
      input: { events: [{ ...task, start_time: T + 9, end_time: T + 9.5, status: "failed", retry_count: 2 }] },
    });
    const again = await samples(ctx);
    expect(resets(last, again)).toEqual([]);
    expect(again.get(`event_duration_seconds_count{${failed}}`)).toBe(2);
    expect(again.get('event_retries_total{event_name="resize"}')).toBe(2);
  });

  it("count a batch sent again, or sent twice at once, once", async () => {
    const ctx = await createTestProject(database);
    const batch: RecordBatch = {
      pipelineEvents: Array.from({ length: 20 }, (_, i) => ({
        taskId: `t${i}`,
        eventName: i % 2 ? "export" : "import",
        startTime: BigInt(T + i) * 1_000_000_000n,
        endTime: i % 5 === 0 ? null : BigInt(T + i) * 1_000_000_000n + BigInt(i) * 10_000_000n,
        status: i % 5 === 0 ? "pending" : i % 3 === 0 ? "failed" : "completed",
        error: null,
        retryCount: i % 4,
        processId: null,
        attributes: {},
      })),
      networkOps: Array.from({ length: 10 }, (_, i) => ({
        taskId: `t${i}`,
        host: "db.internal",
        port: 5432,
        operation: "query",
        startTime: BigInt(T + i) * 1_000_000_000n,
        endTime: BigInt(T + i) * 1_000_000_000n + 3_000_000n,
        bytesSent: 100,
        bytesReceived: 1000,
        error: null,
      })),
    };
    // two transactions at once on Postgres, the same rows in both
    const writer = new IngestWriter(database, { concurrency: database.driver === "postgres" ? 2 : 1 });
    await Promise.all([writer.write(ctx.projectId, batch), writer.write(ctx.projectId, batch)]);
    const once = await samples(ctx);
    await writer.write(ctx.projectId, batch);
    // a batch holding each report twice: the second merges in a statement of its own
    await writer.write(ctx.projectId, {
      pipelineEvents: [...batch.pipelineEvents!, ...batch.pipelineEvents!],
      networkOps: [...batch.networkOps!, ...batch.networkOps!],
    });
    expect(await samples(ctx)).toEqual(once);

    const count = (event: string, status: string) =>
      once.get(`event_duration_seconds_count{event_name="${event}",status="${status}"}`);
    const ended = batch.pipelineEvents!.filter((e) => e.status !== "pending");
    expect(count("import", "completed")! + count("export", "completed")!).toBe(
      ended.filter((e) => e.status === "completed").length,
    );
    expect(count("import", "failed")! + count("export", "failed")!).toBe(
      ended.filter((e) => e.status === "failed").length,
    );
    expect(
      once.get('event_retries_total{event_name="import"}')! + once.get('event_retries_total{event_name="export"}')!,
    ).toBe(batch.pipelineEvents!.reduce((n, e) => n + e.retryCount, 0));
    const db = 'host="db.internal",port="5432",operation="query"';
    expect(once.get(`network_bytes_total{${db},direction="sent"}`)).toBe(1000);
    expect(once.get(`network_bytes_total{${db},direction="received"}`)).toBe(10_000);
    expect(once.get(`network_latency_seconds_count{${db}}`)).toBe(10);
    expect(once.get(`network_latency_seconds_bucket{${db},le="0.005"}`)).toBe(10);
  });

  it("label network series by host, port and operation, and count an operation's start and end once", async () => {
    const ctx = await createTestProject(database);
    const op = (port: number, extra: object = {}) => ({
      task_id: "n1",
      host: "cache.internal",
      port,
      operation: "get",
      start_time: T,
      ...extra,
    });
    await ingestNetworkOps({ ctx, input: { operations: [op(6379), op(6380)] } });
    const started = await samples(ctx);
    const labels = (port: number) => `host="cache.internal",port="${port}",operation="get"`;
    // an open operation: its bytes so far, no latency yet
    expect(started.get(`network_bytes_total{${labels(6379)},direction="sent"}`)).toBe(0);
    expect(started.get(`network_latency_seconds_count{${labels(6379)}}`)).toBeUndefined();

    const end = (port: number, ms: number, bytes: number) =>
      op(port, { end_time: T + ms / 1000, bytes_sent: bytes, bytes_received: 2 * bytes });
    await ingestNetworkOps({ ctx, input: { operations: [end(6379, 20, 10), end(6380, 700, 30)] } });
    const ended = await samples(ctx);
    expect(resets(started, ended)).toEqual([]);
    expect(ended.get(`network_bytes_total{${labels(6379)},direction="sent"}`)).toBe(10);
    expect(ended.get(`network_bytes_total{${labels(6380)},direction="received"}`)).toBe(60);
    expect(ended.get(`network_latency_seconds_count{${labels(6379)}}`)).toBe(1);
    expect(ended.get(`network_latency_seconds_bucket{${labels(6379)},le="0.025"}`)).toBe(1);
    expect(ended.get(`network_latency_seconds_bucket{${labels(6380)},le="0.5"}`)).toBe(0);
    expect(ended.get(`network_latency_seconds_sum{${labels(6380)}}`)).toBeCloseTo(0.7, 9);
    // every network sample names its port
    const network = [...ended.keys()].filter((s) => s.startsWith("network_"));
    expect(network).toHaveLength(2 * 2 + 2 * (14 + 2));
    for (const series of network) expect(series).toMatch(/port="63(79|80)"/);

    // the end reported again, and a later report that moved more bytes: only what is new counts
    await ingestNetworkOps({ ctx, input: { operations: [end(6379, 20, 10), end(6379, 20, 15)] } });
    const more = await samples(ctx);
    expect(resets(ended, more)).toEqual([]);
    expect(more.get(`network_bytes_total{${labels(6379)},direction="sent"}`)).toBe(15);
    expect(more.get(`network_latency_seconds_count{${labels(6379)}}`)).toBe(1);
  });

  it("never go down when the rollups run or retention drops the days the rows were on", async () => {
    const ctx = await createTestProject(database);
    const now = new Date();
    const old = dayStartMs(addDays(dayOfMs(now.getTime()), -10)) / 1000 + 3600;
    await ingestPipelineEvents({
      ctx,
      input: {
        events: [
          { ...task, task_id: "old-1", start_time: old, end_time: old + 1, status: "failed", retry_count: 2 },
          { ...task, task_id: "old-2", start_time: old, end_time: old + 0.2, status: "completed" },
        ],
      },
    });
    await ingestNetworkOps({
      ctx,
      input: {
        operations: [{ task_id: "old-1", host: "s3", port: 443, start_time: old, end_time: old + 0.1, bytes_sent: 9 }],
      },
    });
    const before = await samples(ctx);
    await refreshAllRollups(database);
    expect(await samples(ctx)).toEqual(before);

    await updateRetention({ ctx, input: { pipeline: 3, rollups: 3 } });
    try {
      const { dropped } = await runMaintenance(database, now);
      expect(dropped.map((p) => p.table)).toEqual(
        expect.arrayContaining(["pipeline_events", "network_ops", "pipeline_rollups", "network_rollups"]),
      );
      const [left] = await queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::float8 as n from pipeline_events where project_id = ${ctx.projectId}`,
      );
      expect(left!.n).toBe(0);
      const after = await samples(ctx);
      expect(after).toEqual(before);
      expect(after.get('event_duration_seconds_count{event_name="resize",status="failed"}')).toBe(1);
      expect(after.get('event_retries_total{event_name="resize"}')).toBe(2);
    } finally {
      await updateRetention({ ctx, input: { pipeline: 3650, rollups: 3650 } });
    }
  });

  it("start, on a database from before them, from what GET /metrics answered then", async () => {
    const previous = await openOwnDatabase();
    const folder = migrationsUpTo("0010_trace_head_by_start");
    try {
      await previous.database.migrate(folder);
      const db = previous.database.db;
      const [project] = await queryRows<{ id: string }>(
        db,
        sql`insert into projects (slug, name) values ('old', 'Old') returning id`,
      );
      const projectId = project!.id;
      const day = dayOfMs(T * 1000);
      await db.execute(sql`select tracedeck_day_partition(t, ${day}::date)
        from unnest(array['pipeline_events', 'network_ops', 'pipeline_rollups', 'network_rollups']) t`);
      // rows as the writer of that schema stored them, and the minutes it marked
      const store = async (
        minute: number,
        rows: { id: string; status: string; seconds: number | null; retries: number }[],
      ) => {
        for (const r of rows) {
          const start = T + minute * 60;
          await db.execute(sql`insert into pipeline_events (project_id, task_id, event_name, start_time, end_time, status,
              retry_count, attributes, day)
            values (${projectId}, ${r.id}, 'resize', to_timestamp(${start}),
              to_timestamp(${r.seconds === null ? null : start + r.seconds}),
              ${r.status}, ${r.retries}, '{}', ${day})`);
          await db.execute(sql`insert into network_ops (project_id, task_id, host, port, operation, start_time, end_time,
              bytes_sent, bytes_received)
            values (${projectId}, ${r.id}, 'db', 5432, 'query', to_timestamp(${start}), to_timestamp(${start + 0.002}), 10, 20)`);
        }
        await db.execute(sql`insert into rollup_marks (project_id, source, minute, marked_at)
          select ${projectId}, s, to_timestamp(${T + minute * 60}), clock_timestamp() from unnest(array['pipeline', 'network']) s
          on conflict do nothing`);
      };
      // one minute rolled up, one still marked
      await store(0, [
        { id: "a", status: "completed", seconds: 0.3, retries: 0 },
        { id: "b", status: "failed", seconds: 20, retries: 1 },
        { id: "c", status: "pending", seconds: null, retries: 2 },
      ]);
      await refreshAllRollups(previous.database);
      await store(1, [{ id: "d", status: "completed", seconds: 0.03, retries: 0 }]);

      await previous.database.migrate();
      const ctx = { db, projectId };
      const upgraded = await samples(ctx);
      const completed = 'event_name="resize",status="completed"';
      expect(upgraded.get(`event_duration_seconds_count{${completed}}`)).toBe(2);
      expect(upgraded.get(`event_duration_seconds_bucket{${completed},le="0.05"}`)).toBe(1);
      expect(upgraded.get(`event_duration_seconds_bucket{${completed},le="0.5"}`)).toBe(2);
      expect(upgraded.get(`event_duration_seconds_sum{${completed}}`)).toBeCloseTo(0.33, 9);
      expect(upgraded.get('event_duration_seconds_count{event_name="resize",status="failed"}')).toBe(1);
      expect(upgraded.get('event_duration_seconds_bucket{event_name="resize",status="failed",le="10"}')).toBe(0);
      expect(upgraded.get('event_retries_total{event_name="resize"}')).toBe(3);
      const network = 'host="db",port="5432",operation="query"';
      expect(upgraded.get(`network_bytes_total{${network},direction="received"}`)).toBe(80);
      expect(upgraded.get(`network_latency_seconds_count{${network}}`)).toBe(4);
      expect(upgraded.get(`network_latency_seconds_bucket{${network},le="0.001"}`)).toBe(0);
      expect(upgraded.get(`network_latency_seconds_bucket{${network},le="0.005"}`)).toBe(4);

      // and go on from there: the pending task completes
      const writer = new IngestWriter(previous.database);
      await writer.write(projectId, {
        pipelineEvents: [
          {
            taskId: "c",
            eventName: "resize",
            startTime: BigInt(T) * 1_000_000_000n,
            endTime: BigInt(T + 1) * 1_000_000_000n,
            status: "completed",
            error: null,
            retryCount: 2,
            processId: null,
            attributes: {},
          },
        ],
      });
      const later = await samples(ctx);
      expect(resets(upgraded, later)).toEqual([]);
      expect(later.get(`event_duration_seconds_count{${completed}}`)).toBe(3);
      expect(later.get('event_retries_total{event_name="resize"}')).toBe(3);
    } finally {
      rmSync(folder, { recursive: true, force: true });
      await previous.close();
    }
  });
});
