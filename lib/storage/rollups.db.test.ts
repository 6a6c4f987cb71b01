import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type Database } from "@/db";
import { rmSync } from "node:fs";
import { createTestProject, migrationsUpTo, openOwnDatabase } from "@/db/testing";
import type { Ctx } from "@/lib/auth/context";
import {
  ingestEvents,
  ingestLogs,
  ingestMetrics,
  ingestNetworkOps,
  ingestPipelineEvents,
  ingestSpans,
} from "@/lib/ingest/native";
import { renderSeries, pipelineSeries } from "@/lib/query/exposition";
import { projectStats } from "@/lib/query/overview";
import { networkHosts, networkSeries, pipelineSummary, retryStats } from "@/lib/query/pipeline";
import { serviceMap } from "@/lib/query/service-map";
import { listOperations, listServices, serviceSeries } from "@/lib/query/services";
import { HISTOGRAM_SIZE } from "./histogram";
import { inSteps, refreshAllRollups, refreshRollups } from "./rollups";

// Rollups against raw rows: the same questions answered before the rollup pass (raw rows, the
// minutes still marked) and after it (rollups), on a database of this file's own so that the
// pass sees only these marks.

let own: { database: Database; close: () => Promise<void> };
let database: Database;
let ctx: Ctx;
beforeAll(async () => {
  own = await openOwnDatabase();
  database = own.database;
  await database.migrate();
  ctx = await createTestProject(database);
});
afterAll(() => own.close());

const HOUR = 3_600_000;
// two whole hours and a part of a third, ending at a fixed clock
const clock = Math.floor(Date.now() / HOUR) * HOUR - 10 * 60_000 + 17_000;
const from = clock - 2 * HOUR - 25 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const range = { from: BigInt(from) * 1_000_000n, to: BigInt(clock) * 1_000_000n };
const at = (c: Ctx) => ({ ...c, now: () => new Date(clock) });

/** every 37 s: an api request (server) calling db (client → server), every fifth failing; tasks and the rest */
async function ingestTraffic(c: Ctx): Promise<number> {
  let n = 0;
  const input = [];
  for (let t = from + 1000; t < clock; t += 37_000, n++) {
    const trace = hex(n + 1, 32);
    const ms = 20 + (n % 50) * 7;
    input.push(
      {
        trace_id: trace,
        span_id: hex(n * 3 + 1, 16),
        // now and then an operation of its own, one minute's row in its hour
        name: n % 40 === 7 ? `GET /orders/${n}` : "GET /orders",
        service_name: "api",
        kind: "server",
        start_time: iso(t),
        end_time: iso(t + ms),
        status: n % 5 === 0 ? "error" : undefined,
      },
      {
        trace_id: trace,
        span_id: hex(n * 3 + 2, 16),
        parent_span_id: hex(n * 3 + 1, 16),
        name: "SELECT",
        service_name: "api",
        kind: "client",
        start_time: iso(t + 1),
        end_time: iso(t + ms - 1),
      },
      {
        trace_id: trace,
        span_id: hex(n * 3 + 3, 16),
        parent_span_id: hex(n * 3 + 2, 16),
        name: "query",
        service_name: "db",
        kind: "server",
        start_time: iso(t + 2),
        end_time: iso(t + ms - 2),
      },
    );
  }
  await ingestSpans({ ctx: c, input });
  const tasks = [];
  const ops = [];
  for (let i = 0, t = from + 500; t < clock; t += 53_000, i++) {
    tasks.push({
      task_id: `task-${i}`,
      event_name: i === 5 ? "thumbnail" : i % 2 ? "resize" : "upload",
      start_time: t / 1000,
      end_time: i % 7 === 6 ? undefined : (t + 100 + i * 13) / 1000,
      status: i % 7 === 6 ? "pending" : i % 4 === 0 ? "failed" : "completed",
      retry_count: i % 3,
    });
    ops.push({
      task_id: `task-${i}`,
      host: i % 2 ? "s3.example" : "db.example",
      port: i % 2 ? 443 : 5432,
      operation: i % 2 ? "PUT" : "query",
      start_time: t / 1000,
      end_time: (t + 5 + i) / 1000,
      bytes_sent: 100 * i,
      bytes_received: 7 * i,
      error: i % 6 === 0 ? "reset" : undefined,
    });
  }
  await ingestPipelineEvents({ ctx: c, input: tasks });
  const seconds = (ms: number) => ms / 1000;
  await ingestLogs({
    ctx: c,
    input: Array.from({ length: 40 }, (_, i) => ({ message: `line ${i}`, timestamp: seconds(from + i * 211_000) })),
  });
  await ingestEvents({
    ctx: c,
    input: Array.from({ length: 12 }, (_, i) => ({ name: "deploy", timestamp: seconds(from + i * 701_000) })),
  });
  await ingestMetrics({
    ctx: c,
    input: Array.from({ length: 50 }, (_, i) => ({
      name: "queue.depth",
      metric_type: "gauge",
      value: i,
      timestamp: seconds(from + i * 173_000),
    })),
  });
  await ingestNetworkOps({ ctx: c, input: ops });
  return n;
}

/** what the questions answer, with percentiles left out (from rollups they are estimates) */
async function answers(c: Ctx) {
  const input = { from: range.from, to: range.to };
  const services = (await listServices({ ctx: c, input })).services;
  const operations = (await listOperations({ ctx: c, input: { ...input, name: "api" } })).operations;
  const series = (await serviceSeries({ ctx: c, input: { ...input, step_seconds: 600 } })).series;
  const retries = await retryStats({ ctx: c, input });
  const summary = await pipelineSummary({ ctx: c, input: { ...input, step_seconds: 600, threshold_seconds: 60 } });
  const hosts = (await networkHosts({ ctx: c, input })).hosts;
  const network = (await networkSeries({ ctx: c, input: { ...input, step_seconds: 600 } })).series;
  const exposition = renderSeries(await pipelineSeries(c.db, c.projectId));
  const stats = await projectStats({ ctx: c });
  const map = await serviceMap({ ctx: c, input });
  return { services, operations, series, retries, summary, hosts, network, exposition, stats, map };
}

/** Replaces every percentile by whether it is within `tolerance` of the exact one. */
function near(exact: unknown, estimate: unknown, tolerance = 0.19): unknown {
  if (Array.isArray(exact)) return exact.map((e, i) => near(e, (estimate as unknown[])[i], tolerance));
  if (exact && typeof exact === "object") {
    return Object.fromEntries(
      Object.entries(exact).map(([k, v]) => {
        const other = (estimate as Record<string, unknown>)[k];
        if (/^(span_)?p\d+_ms$/.test(k) && typeof v === "number")
          return [k, typeof other === "number" && Math.abs(other - v) <= tolerance * v + 0.01 ? "near" : other];
        return [k, near(v, other, tolerance)];
      }),
    );
  }
  return exact;
}

const nearAll = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(nearAll);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        /^(span_)?p\d+_ms$/.test(k) && typeof v === "number" ? "near" : nearAll(v),
      ]),
    );
  return value;
};

describe("rollups", () => {
  it("answer wide ranges as the raw rows do, before and after the rollup pass", async () => {
    const c = at(ctx);
    const requests = await ingestTraffic(c);
    const marks = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::float8 as n from rollup_marks where project_id = ${c.projectId}`,
    );
    expect(marks[0]!.n).toBeGreaterThan(100);
    const raw = await answers(c);
    expect(raw.stats).toMatchObject({ spans: requests * 3, traces: requests, logs: 40, events: 12, metric_points: 50 });
    expect(raw.services.map((s) => [s.name, s.request_count])).toEqual([
      ["api", requests],
      ["db", requests],
    ]);
    // api's client call handles no requests: it is measured by its spans, from raw rows and from rollups alike
    const select = raw.operations.find((o) => o.name === "SELECT")!;
    expect(select).toMatchObject({ request_count: 0, span_count: requests, span_error_rate: 0 });
    expect(select.span_p95_ms).toBeGreaterThan(0);
    // every request's query is a call from api to db (api's own client span is not a call between services)
    expect(raw.map.nodes.map((n) => n.name)).toEqual(["api", "db"]);
    expect(raw.map.edges).toEqual([
      {
        source: "api",
        target: "db",
        calls: requests,
        call_rate: requests / ((clock - from) / 1000),
        error_rate: 0,
        p95_ms: expect.any(Number),
      },
    ]);
    expect(raw.map.truncated).toBe(false);
    // a range too short for rollups reads raw spans alone
    const recent = { from: range.to - 300_000_000_000n, to: range.to };
    const [short, dbRequests] = await Promise.all([
      serviceMap({ ctx: c, input: recent }),
      listServices({ ctx: c, input: recent }),
    ]);
    expect(short.edges.map((e) => [e.source, e.target, e.calls])).toEqual([
      ["api", "db", dbRequests.services.find((s) => s.name === "db")!.request_count],
    ]);

    expect(await refreshAllRollups(database)).toBeGreaterThan(100);
    const left = await queryRows<{ n: number }>(database.db, sql`select count(*)::float8 as n from rollup_marks`);
    expect(left[0]!.n).toBe(0);
    const rolled = await answers(c);
    // the same counts, rates and buckets; percentiles from the histograms in the exact one's bucket (within 19%)
    expect(nearAll(rolled)).toEqual(nearAll(raw));
    expect(near(raw, rolled)).toEqual(nearAll(raw));

    // a row keeps only the buckets from its first count to its last
    const [widest] = await queryRows<{ lengths: number }>(
      database.db,
      sql`select max(cardinality(histogram))::float8 as lengths from span_rollups where project_id = ${c.projectId}`,
    );
    expect(widest!.lengths).toBeGreaterThan(0);
    expect(widest!.lengths).toBeLessThan(HISTOGRAM_SIZE);

    // the overview's totals come from the row counts
    const counted = await queryRows<{ table: string; rows: number }>(
      database.db,
      sql`select table_name as table, sum(rows)::float8 as rows from row_counts
          where project_id = ${c.projectId} and step_seconds = 60 group by 1 order by 1`,
    );
    expect(counted).toEqual([
      { table: "events", rows: 12 },
      { table: "logs", rows: 40 },
      { table: "metric_points", rows: 50 },
      { table: "traces", rows: requests },
    ]);

    // every api → db call, once
    const edges = await queryRows<{ parent: string; child: string; calls: number; errors: number }>(
      database.db,
      sql`select parent_service as parent, child_service as child, sum(calls)::float8 as calls, sum(errors)::float8 as errors
          from service_edges where project_id = ${c.projectId} and step_seconds = 60 group by 1, 2`,
    );
    expect(edges).toEqual([{ parent: "api", child: "db", calls: requests, errors: 0 }]);
    const hours = await queryRows<{ calls: number }>(
      database.db,
      sql`select sum(calls)::float8 as calls from service_edges where project_id = ${c.projectId} and step_seconds = 3600`,
    );
    expect(hours[0]!.calls).toBe(requests);
  });

  it("count a late span at once, and a retried batch once", async () => {
    const c = at(await createTestProject(database));
    await ingestTraffic(c);
    await refreshAllRollups(database);
    const input = { from: range.from, to: range.to };
    const before = (await listServices({ ctx: c, input })).services.find((s) => s.name === "api")!;
    const late = {
      trace_id: hex(999_999, 32),
      span_id: hex(999_999, 16),
      name: "GET /orders",
      service_name: "api",
      kind: "server",
      start_time: iso(from + 30 * 60_000 + 5),
      end_time: iso(from + 30 * 60_000 + 105),
    };
    await ingestSpans({ ctx: c, input: [late] });
    // its minute is marked: read raw until the pass has taken it in
    const marked = (await listServices({ ctx: c, input })).services.find((s) => s.name === "api")!;
    expect(marked.request_count).toBe(before.request_count + 1);
    expect((await refreshRollups(database)).minutes).toBeGreaterThan(0);
    await ingestSpans({ ctx: c, input: [late] });
    await refreshAllRollups(database);
    const after = (await listServices({ ctx: c, input })).services.find((s) => s.name === "api")!;
    expect(after.request_count).toBe(before.request_count + 1);
    expect(after.span_count).toBe(before.span_count + 1);
  });

  it("take turns with other work: a pass goes in short transactions", async () => {
    const slices: number[][] = [];
    let other: Promise<number> | undefined;
    const done = await inSteps(database, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], async (tx, slice) => {
      await tx.execute(sql`select 1`);
      slices.push(slice);
      // a request's query, sent while the first slice holds the (embedded store's only) connection
      other ??= database.db.execute(sql`select 1`).then(() => slices.length);
    });
    expect(done).toBe(true);
    // one item first (then more at a time while slices are quick), each once, in order
    expect(slices[0]).toEqual([1]);
    expect(slices.flat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // it ran after the first slice, not after the last
    expect(await other).toBe(1);
  });

  it("leaves the pass to one node at a time", async () => {
    const c = at(await createTestProject(database));
    await ingestTraffic(c);
    // another node's pass holds the lock
    const release = await database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${0x74647275})`);
      if (database.driver === "postgres") {
        expect(await refreshRollups(database)).toEqual({ ran: false, minutes: 0, more: true });
      }
      return true;
    });
    expect(release).toBe(true);
    expect((await refreshRollups(database)).ran).toBe(true);
  });

  it("roll up a database migrated from before them, in the background, and answer as its raw rows did", async () => {
    const old = await openOwnDatabase();
    const folder = migrationsUpTo("0004_slow_indexes");
    try {
      await old.database.migrate(folder);
      const db = old.database.db;
      const [project] = await queryRows<{ id: string }>(
        db,
        sql`insert into projects (slug, name) values ('old', 'Old') returning id`,
      );
      const projectId = project!.id;
      const t0 = BigInt(from) * 1_000_000n;
      await db.execute(sql`select tracedeck_day_partition(t, d::date)
        from unnest(array['spans', 'pipeline_events', 'network_ops']) t,
          (values (${new Date(from).toISOString().slice(0, 10)}), (${new Date(clock).toISOString().slice(0, 10)})) as d(d)`);
      // a server span every 5 minutes, as the writer of that schema stored them
      for (let i = 0; i < 30; i++) {
        const t = t0 + BigInt(i) * 300_000_000_000n;
        await db.execute(sql`insert into spans (project_id, trace_id, span_id, name, service_name, kind, status_code,
            start_time_unix_nano, end_time_unix_nano, attributes, resource_attributes, events, links)
          values (${projectId}, ${hex(i + 1, 32)}, ${hex(i + 1, 16)}, 'GET /', 'api', 'server', ${i % 3 ? "ok" : "error"},
            ${t}, ${t + BigInt(10 + i) * 1_000_000n}, '{}', '{}', '[]', '[]')`);
      }
      await old.database.migrate();
      const c = { ...at(ctx), database: old.database, db, projectId };
      const input = { from: range.from, to: range.to };
      const raw = await listServices({ ctx: c, input });
      expect(raw.services.map((s) => [s.name, s.request_count, s.error_count])).toEqual([["api", 30, 10]]);
      expect(await refreshAllRollups(old.database)).toBeGreaterThanOrEqual(30);
      const [minutes] = await queryRows<{ n: number }>(
        db,
        sql`select sum(request_count)::float8 as n from span_rollups where project_id = ${projectId} and step_seconds = 60`,
      );
      expect(minutes!.n).toBe(30);
      const rolled = await listServices({ ctx: c, input });
      expect(nearAll(rolled)).toEqual(nearAll(raw));
      expect(near(raw, rolled)).toEqual(nearAll(raw));
    } finally {
      rmSync(folder, { recursive: true, force: true });
      await old.close();
    }
  });
});
