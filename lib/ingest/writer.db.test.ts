import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, openTestDatabase } from "@/db/testing";
import { newTraceId } from "@/lib/model/ids";
import {
  events,
  logs,
  metricPoints,
  metricSeries,
  networkOps,
  pipelineEvents,
  spans,
  traces,
  type Database,
} from "@/db/testing/tables";
import { ingestNetworkOps, ingestPipelineEvents, ingestSpans, ingestLogs, ingestMetrics } from "./native";
import { IngestWriter, ingestWriter } from "./writer";

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const traceId = newTraceId;
const T0 = 1_763_787_600_000_000_000n;

describe("spans and trace summaries", () => {
  it("stores every field, exact to the nanosecond, and summarizes the trace", async () => {
    const ctx = await createTestProject(database);
    const trace = traceId();
    const input = {
      spans: [
        {
          trace_id: trace,
          span_id: "a000000000000001",
          name: "GET /orders",
          service_name: "web",
          kind: "SERVER",
          status: "OK",
          start_time: "2025-11-22T05:00:00.000000001Z",
          end_time: "2025-11-22T05:00:00.250000003Z",
          attributes: { "http.status_code": 200, retry: false, tags: ["a", "b"], nested: { k: 1.5 } },
          resource_attributes: { "service.version": "1.2.3" },
          events: [{ name: "cache miss", timestamp: "2025-11-22T05:00:00.1Z", attributes: { key: "o:1" } }],
        },
        {
          trace_id: trace,
          span_id: "a000000000000002",
          parent_span_id: "a000000000000001",
          name: "SELECT orders",
          service_name: "db",
          kind: "client",
          status: "error",
          status_message: "deadlock",
          start_time: "2025-11-22T05:00:00.010Z",
          duration_ms: 200,
        },
      ],
    };
    const result = await ingestSpans({ ctx, input });
    expect(result).toEqual({ accepted: 2, rejected: 0, errors: [] });

    const stored = await database.db
      .select()
      .from(spans)
      .where(eq(spans.projectId, ctx.projectId))
      .orderBy(spans.spanId);
    expect(stored).toHaveLength(2);
    const [root, child] = stored;
    expect(root!.startTimeUnixNano).toBe(T0 + 1n);
    expect(root!.endTimeUnixNano).toBe(T0 + 250_000_003n);
    expect(root!.durationNano).toBe(250_000_002n);
    expect(root!.kind).toBe("server");
    expect(root!.attributes).toEqual({ "http.status_code": 200, retry: false, tags: ["a", "b"], nested: { k: 1.5 } });
    expect(root!.resourceAttributes).toEqual({ "service.version": "1.2.3" });
    expect(root!.events).toEqual([
      { name: "cache miss", time_unix_nano: String(T0 + 100_000_000n), attributes: { key: "o:1" } },
    ]);
    expect(child!.parentSpanId).toBe("a000000000000001");
    expect([child!.statusCode, child!.statusMessage]).toEqual(["error", "deadlock"]);
    expect(child!.durationNano).toBe(200_000_000n);

    const [summary] = await database.db
      .select()
      .from(traces)
      .where(and(eq(traces.projectId, ctx.projectId), eq(traces.traceId, trace)));
    expect(summary).toMatchObject({
      spanCount: 2,
      errorCount: 1,
      rootServiceName: "web",
      rootName: "GET /orders",
      services: ["db", "web"],
      startTimeUnixNano: T0 + 1n,
      endTimeUnixNano: T0 + 250_000_003n,
      durationNano: 250_000_002n,
    });
  });

  it("does not duplicate spans or recount them when a batch is retried", async () => {
    const ctx = await createTestProject(database);
    const trace = traceId();
    const input = {
      spans: [1, 2, 3].map((i) => ({
        trace_id: trace,
        span_id: `b00000000000000${i}`,
        name: `s${i}`,
        start_time: 1_763_787_600 + i,
      })),
    };
    await ingestSpans({ ctx, input });
    const again = await ingestSpans({ ctx, input });
    expect(again.accepted).toBe(3);
    const stored = await database.db.select().from(spans).where(eq(spans.projectId, ctx.projectId));
    expect(stored).toHaveLength(3);
    const [summary] = await database.db.select().from(traces).where(eq(traces.projectId, ctx.projectId));
    expect(summary!.spanCount).toBe(3);
  });

  it("extends a trace's summary as later spans arrive, and takes the root when it comes last", async () => {
    const ctx = await createTestProject(database);
    const trace = traceId();
    await ingestSpans({
      ctx,
      input: [
        {
          trace_id: trace,
          span_id: "c000000000000002",
          parent_span_id: "c000000000000001",
          name: "child",
          service_name: "worker",
          start_time: 1_763_787_601,
          duration_ms: 500,
        },
      ],
    });
    let [summary] = await database.db.select().from(traces).where(eq(traces.projectId, ctx.projectId));
    expect(summary!.rootName).toBeNull();
    await ingestSpans({
      ctx,
      input: [
        {
          trace_id: trace,
          span_id: "c000000000000001",
          name: "root",
          service_name: "api",
          start_time: 1_763_787_600,
          duration_ms: 3000,
        },
      ],
    });
    [summary] = await database.db.select().from(traces).where(eq(traces.projectId, ctx.projectId));
    expect(summary).toMatchObject({
      spanCount: 2,
      rootName: "root",
      rootServiceName: "api",
      services: ["api", "worker"],
      durationNano: 3_000_000_000n,
    });
  });

  it("stores a batch of more spans than one statement takes, and counts a part sent again once", async () => {
    const ctx = await createTestProject(database);
    const trace = traceId();
    const all = Array.from({ length: 4_500 }, (_, i) => ({
      trace_id: trace,
      span_id: (i + 1).toString(16).padStart(16, "0"),
      ...(i > 0 ? { parent_span_id: "0000000000000001" } : {}),
      name: i === 0 ? "root" : `step ${i}`,
      service_name: ["api", "db", "worker"][i % 3]!,
      ...(i % 100 === 7 ? { status: "error" } : {}),
      start_time: 1_763_787_600 + i / 1000,
      duration_ms: i === 0 ? 10_000 : 1,
    }));
    // the first part, then the whole batch, as a client sends it again that lost the first answer
    await ingestSpans({ ctx, input: { spans: all.slice(0, 2_500) } });
    expect((await ingestSpans({ ctx, input: { spans: all } })).accepted).toBe(4_500);
    const stored = await database.db.select({ id: spans.spanId }).from(spans).where(eq(spans.projectId, ctx.projectId));
    expect(new Set(stored.map((s) => s.id)).size).toBe(4_500);
    expect(stored).toHaveLength(4_500);
    const summaries = await database.db.select().from(traces).where(eq(traces.projectId, ctx.projectId));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      spanCount: 4_500,
      errorCount: 45,
      rootName: "root",
      rootServiceName: "api",
      services: ["api", "db", "worker"],
      durationNano: 10_000_000_000n,
    });
  });

  it("groups concurrent batches into shared transactions and stores all of them", async () => {
    const ctx = await createTestProject(database);
    const writer = ingestWriter(database);
    const before = { ...writer.stats };
    const batches = Array.from({ length: 30 }, (_, b) => ({
      spans: Array.from({ length: 20 }, (_, i) => ({
        name: `op${i}`,
        service_name: `svc${b % 3}`,
        start_time: 1_763_787_600 + i,
      })),
    }));
    const results = await Promise.all(batches.map((input) => ingestSpans({ ctx, input })));
    expect(results.every((r) => r.accepted === 20)).toBe(true);
    const stored = await database.db.select({ id: spans.spanId }).from(spans).where(eq(spans.projectId, ctx.projectId));
    expect(stored).toHaveLength(600);
    const transactions = writer.stats.transactions - before.transactions;
    expect(writer.stats.batches - before.batches).toBe(30);
    expect(transactions).toBeLessThan(30);
  });
});

describe("back-pressure", () => {
  it("answers 503 with Retry-After once the queue is full, and stores what it accepted", async () => {
    const ctx = await createTestProject(database);
    const writer = new IngestWriter(database, { maxQueuedRows: 150 });
    const batch = (n: number) => ({
      events: Array.from({ length: n }, (_, i) => ({
        name: `e${i}`,
        time: 1_763_787_600_000_000_000n,
        serviceName: null,
        traceId: null,
        spanId: null,
        attributes: {},
      })),
    });
    const first = writer.write(ctx.projectId, batch(100)); // taken at once by the first transaction
    const second = writer.write(ctx.projectId, batch(100)); // waits in the queue
    const third = writer.write(ctx.projectId, batch(100)); // would overflow it
    await expect(third).rejects.toMatchObject({ code: "unavailable", retryAfter: 1 });
    await Promise.all([first, second]);
    const stored = await database.db.select({ id: events.id }).from(events).where(eq(events.projectId, ctx.projectId));
    expect(stored).toHaveLength(200);
  });
});

describe("pipeline events", () => {
  it("merges a task's pending, failed and retried reports into one row whose retry count never goes down", async () => {
    const ctx = await createTestProject(database);
    const base = { event_name: "resize", task_id: "task-1", start_time: 1_763_787_600, process_id: 4242 };
    await ingestPipelineEvents({ ctx, input: { events: [{ ...base, status: "pending" }] } });
    await ingestPipelineEvents({
      ctx,
      input: { events: [{ ...base, status: "failed", end_time: 1_763_787_602.5, error: "disk full", retry_count: 2 }] },
    });
    // a late, stale report: older pending with fewer retries
    await ingestPipelineEvents({ ctx, input: { events: [{ ...base, status: "pending", retry_count: 1 }] } });
    const [row] = await database.db.select().from(pipelineEvents).where(eq(pipelineEvents.projectId, ctx.projectId));
    expect(row).toMatchObject({
      taskId: "task-1",
      status: "failed",
      error: "disk full",
      retryCount: 2,
      processId: 4242,
      durationMs: 2500,
    });

    // a retry starts (pending, more retries), then completes
    await ingestPipelineEvents({
      ctx,
      input: {
        events: [
          { ...base, status: "pending", retry_count: 3 },
          { ...base, status: "completed", end_time: 1_763_787_610, retry_count: 3 },
        ],
      },
    });
    const rows = await database.db.select().from(pipelineEvents).where(eq(pipelineEvents.projectId, ctx.projectId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "completed", error: null, retryCount: 3, durationMs: 10_000 });
  });
});

describe("network operations", () => {
  it("merges an operation's start and end reports, and is idempotent", async () => {
    const ctx = await createTestProject(database);
    const op = { task_id: "t9", host: "api.example", port: 443, operation: "fetch", start_time: 1_763_787_600 };
    await ingestNetworkOps({ ctx, input: { operations: [op] } });
    const end = { ...op, end_time: 1_763_787_600.75, bytes_sent: 120, bytes_received: 4096, error: "reset by peer" };
    await ingestNetworkOps({ ctx, input: { operations: [end] } });
    await ingestNetworkOps({ ctx, input: { operations: [end] } });
    const rows = await database.db.select().from(networkOps).where(eq(networkOps.projectId, ctx.projectId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ bytesSent: 120, bytesReceived: 4096, error: "reset by peer", latencyMs: 750 });
  });
});

describe("metrics and logs", () => {
  it("stores points under one series per name, service and tags", async () => {
    const ctx = await createTestProject(database);
    const m = (value: number, tags: Record<string, string>) => ({
      name: "http.requests",
      metric_type: "counter",
      value,
      tags,
      unit: "1",
      service_name: "web",
      timestamp: 1_763_787_600 + value,
    });
    await ingestMetrics({
      ctx,
      input: { metrics: [m(1, { route: "/a" }), m(2, { route: "/b" }), m(3, { route: "/a" })] },
    });
    await ingestMetrics({ ctx, input: { metrics: [m(4, { route: "/a" })] } });
    const series = await database.db.select().from(metricSeries).where(eq(metricSeries.projectId, ctx.projectId));
    expect(series.map((s) => s.tags).sort((a, b) => a.route!.localeCompare(b.route!))).toEqual([
      { route: "/a" },
      { route: "/b" },
    ]);
    expect(series.every((s) => s.type === "counter" && s.unit === "1")).toBe(true);
    const a = series.find((s) => s.tags.route === "/a")!;
    const points = await database.db
      .select()
      .from(metricPoints)
      .where(and(eq(metricPoints.projectId, ctx.projectId), eq(metricPoints.seriesId, a.id)))
      .orderBy(metricPoints.time);
    expect(points.map((p) => p.value)).toEqual([1, 3, 4]);
  });

  it("stores batches of more points and logs than one statement takes", async () => {
    const ctx = await createTestProject(database);
    const metrics = Array.from({ length: 4_500 }, (_, i) => ({
      name: "queue.depth",
      metric_type: "gauge",
      value: i,
      tags: { queue: `q${i % 3}` },
      timestamp: 1_763_787_600 + i / 1000,
    }));
    await ingestMetrics({ ctx, input: { metrics } });
    const series = await database.db.select().from(metricSeries).where(eq(metricSeries.projectId, ctx.projectId));
    expect(series).toHaveLength(3);
    const points = await database.db
      .select({ value: metricPoints.value })
      .from(metricPoints)
      .where(eq(metricPoints.projectId, ctx.projectId));
    expect(points.map((p) => p.value).sort((a, b) => a! - b!)).toEqual(metrics.map((m) => m.value));

    const lines = Array.from({ length: 4_500 }, (_, i) => ({ message: `line ${i}`, timestamp: 1_763_787_600 + i }));
    await ingestLogs({ ctx, input: { logs: lines } });
    const stored = await database.db.select({ body: logs.body }).from(logs).where(eq(logs.projectId, ctx.projectId));
    expect(new Set(stored.map((l) => l.body)).size).toBe(4_500);
  });

  it("keeps a log body's JSON type", async () => {
    const ctx = await createTestProject(database);
    await ingestLogs({
      ctx,
      input: {
        logs: [
          { message: "plain", timestamp: 1_700_000_001 },
          { body: { order: 7, items: [1, 2] }, timestamp: 1_700_000_002 },
          { body: 42, timestamp: 1_700_000_003 },
        ],
      },
    });
    const rows = await database.db
      .select()
      .from(logs)
      .where(eq(logs.projectId, ctx.projectId))
      .orderBy(logs.timeUnixNano);
    expect(rows.map((r) => r.body)).toEqual(["plain", { order: 7, items: [1, 2] }, 42]);
  });
});

describe("bad items", () => {
  it("rejects invalid items by index and stores the valid ones of the same batch", async () => {
    const ctx = await createTestProject(database);
    const result = await ingestSpans({
      ctx,
      input: {
        spans: [
          { name: "ok", start_time: 1_763_787_600 },
          { name: "" },
          "not a span",
          { name: "ok2", start_time: 1_763_787_600, kind: "weird" },
          { name: "ok3", start_time: 1_763_787_600 },
        ],
      },
    });
    expect(result.accepted).toBe(2);
    expect(result.rejected).toBe(3);
    expect(result.errors.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(result.errors[2]!.message).toMatch(/kind/);
    const stored = await database.db.select({ name: spans.name }).from(spans).where(eq(spans.projectId, ctx.projectId));
    expect(stored.map((s) => s.name).sort()).toEqual(["ok", "ok3"]);
  });
});
