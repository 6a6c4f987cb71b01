import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, openTestDatabase } from "@/db/testing";
import { publishers, publisherStatus, type Database } from "@/db/testing/tables";
import type { Ctx } from "@/lib/auth/context";
import {
  ingestEvents,
  ingestLogs,
  ingestMetrics,
  ingestNetworkOps,
  ingestPipelineEvents,
  ingestSpans,
} from "@/lib/ingest/native";
import { receiveOtlp } from "@/lib/ingest/otlp/receive";
import { newTraceId } from "@/lib/model/ids";
import { EventSearchQuery, LogSearchQuery, searchEvents, searchLogs } from "./logs";
import { listMetrics, MetricQuery, queryMetric } from "./metrics";
import {
  getTask,
  HostsQuery,
  listNetworkOps,
  listPipelineEvents,
  listSlowEvents,
  listSlowNetworkOps,
  NetworkQuery,
  networkHosts,
  networkSeries,
  NetworkSeriesQuery,
  pipelineSummary,
  PipelineSummaryQuery,
  PipelineEventsQuery,
  retryStats,
  RetryStatsQuery,
  SlowNetworkQuery,
  SlowQuery,
  TaskQuery,
} from "./pipeline";
import { listPublishers } from "./publishers";
import { listOperations, listServices, serviceSeries, ServiceSeriesQuery, ServicesQuery } from "./services";
import { getTrace, searchTraces, traceDurations, TraceDurationsQuery, TraceSearchQuery } from "./traces";

let database: Database;
let ctx: Ctx;
let other: Ctx;
const now = Date.now();
const secondsAgo = (s: number) => (now - s * 1000) / 1000; // epoch seconds, as the wire takes them

// one trace: api GET /orders (server, 300 ms) → db SELECT (client, 100 ms, error)
const traceA = newTraceId();
const traceB = newTraceId();
const traceC = newTraceId();

beforeAll(async () => {
  database = await openTestDatabase();
  ctx = await createTestProject(database);
  other = await createTestProject(database);
  await ingestSpans({
    ctx,
    input: [
      {
        trace_id: traceA,
        span_id: "a000000000000001",
        name: "GET /orders",
        service_name: "api",
        kind: "server",
        start_time: secondsAgo(600),
        duration_ms: 300,
        attributes: { "http.status_code": 200, customer: "acme" },
      },
      {
        trace_id: traceA,
        span_id: "a000000000000002",
        parent_span_id: "a000000000000001",
        name: "SELECT",
        service_name: "db",
        kind: "client",
        status: "error",
        start_time: secondsAgo(599.9),
        duration_ms: 100,
      },
      {
        trace_id: traceA,
        span_id: "a000000000000003",
        parent_span_id: "ffffffffffffffff",
        name: "orphan",
        service_name: "db",
        start_time: secondsAgo(599.8),
        duration_ms: 1,
      },
      {
        trace_id: traceB,
        span_id: "b000000000000001",
        name: "GET /orders",
        service_name: "api",
        kind: "server",
        start_time: secondsAgo(300),
        duration_ms: 50,
        attributes: { customer: "globex" },
      },
      {
        trace_id: traceC,
        span_id: "c000000000000001",
        name: "POST /pay",
        service_name: "api",
        kind: "server",
        status: "error",
        start_time: secondsAgo(120),
        duration_ms: 1200,
      },
    ],
  });
  await ingestSpans({
    ctx: other,
    input: [{ name: "secret", service_name: "hidden", kind: "server", start_time: secondsAgo(60), duration_ms: 5 }],
  });
  await ingestPipelineEvents({
    ctx,
    input: [
      {
        event_name: "resize",
        task_id: "t1",
        start_time: secondsAgo(500),
        end_time: secondsAgo(498),
        status: "failed",
        error: "disk full",
        retry_count: 2,
        process_id: 7,
      },
      {
        event_name: "resize",
        task_id: "t2",
        start_time: secondsAgo(400),
        end_time: secondsAgo(399.5),
        status: "completed",
      },
      {
        event_name: "email",
        task_id: "t3",
        start_time: secondsAgo(300),
        end_time: secondsAgo(295),
        status: "completed",
        retry_count: 1,
      },
      { event_name: "email", task_id: "t4", start_time: secondsAgo(200), status: "pending" },
    ],
  });
  await ingestNetworkOps({
    ctx,
    input: [
      {
        task_id: "t1",
        host: "s3",
        port: 443,
        start_time: secondsAgo(500),
        end_time: secondsAgo(499.9),
        bytes_sent: 100,
        bytes_received: 1000,
      },
      {
        task_id: "t2",
        host: "s3",
        port: 443,
        start_time: secondsAgo(400),
        end_time: secondsAgo(397),
        bytes_sent: 50,
        error: "timeout",
      },
      {
        task_id: "t3",
        host: "smtp",
        port: 25,
        start_time: secondsAgo(300),
        end_time: secondsAgo(299.8),
        bytes_sent: 10,
      },
    ],
  });
  await ingestLogs({
    ctx,
    input: [
      {
        message: "payment declined for card 42",
        severity: "error",
        service_name: "api",
        trace_id: traceC,
        timestamp: secondsAgo(119),
      },
      { message: "order listed", severity: "info", service_name: "api", timestamp: secondsAgo(299) },
      { message: "cache warm", severity: "debug", service_name: "worker", timestamp: secondsAgo(50) },
    ],
  });
  await ingestEvents({
    ctx,
    input: [
      { name: "deploy", attributes: { version: "1.4" }, timestamp: secondsAgo(700) },
      { name: "rollback", timestamp: secondsAgo(100) },
    ],
  });
  await ingestMetrics({
    ctx,
    input: [
      ...[0, 1, 2, 3].map((i) => ({
        name: "http.requests",
        metric_type: "counter",
        value: 10,
        tags: { route: "/a" },
        timestamp: secondsAgo(300 - i * 60),
      })),
      ...[0, 1].map((i) => ({
        name: "http.requests",
        metric_type: "counter",
        value: 30,
        tags: { route: "/b" },
        timestamp: secondsAgo(300 - i * 60),
      })),
      { name: "cpu", value: 0.5, unit: "1", tags: { host: "h1" }, timestamp: secondsAgo(30) },
    ],
  });
});
afterAll(async () => {
  await database.close();
});

describe("traces", () => {
  const search = (query: Record<string, unknown>, as: Ctx = ctx) =>
    searchTraces({ ctx: as, input: TraceSearchQuery.parse(query) });

  it("finds traces newest first, and by service, operation, status, duration and attribute", async () => {
    expect((await search({})).traces.map((t) => t.trace_id)).toEqual([traceC, traceB, traceA]);
    expect((await search({ service: "db" })).traces.map((t) => t.trace_id)).toEqual([traceA]);
    expect((await search({ operation: "GET /orders" })).traces.map((t) => t.trace_id)).toEqual([traceB, traceA]);
    expect((await search({ service: "db", operation: "GET /orders" })).traces).toEqual([]);
    // repeated: traces with spans of each service, as a call between them has
    expect((await search({ service: ["api", "db"] })).traces.map((t) => t.trace_id)).toEqual([traceA]);
    expect((await search({ service: ["api", "nowhere"] })).traces).toEqual([]);
    expect(() => TraceSearchQuery.parse({ service: ["a", "b", "c", "d", "e", "f"] })).toThrow(/at most 5 services/);
    expect((await search({ status: "error" })).traces.map((t) => t.trace_id)).toEqual([traceC, traceA]);
    expect((await search({ status: "ok" })).traces.map((t) => t.trace_id)).toEqual([traceB]);
    expect((await search({ min_duration_ms: "250" })).traces.map((t) => t.trace_id)).toEqual([traceC, traceA]);
    expect((await search({ max_duration_ms: "100" })).traces.map((t) => t.trace_id)).toEqual([traceB]);
    expect((await search({ attr: ["customer:acme", "http.status_code:200"] })).traces.map((t) => t.trace_id)).toEqual([
      traceA,
    ]);
    expect((await search({ from: String(now - 250_000) })).traces.map((t) => t.trace_id)).toEqual([traceC]);
    const [a] = (await search({ service: "db" })).traces;
    expect(a).toMatchObject({
      root_service: "api",
      root_name: "GET /orders",
      span_count: 3,
      error_count: 1,
      services: ["api", "db"],
    });
    expect(a!.duration_ms).toBeCloseTo(300, 3);
  });

  it("sorts slowest first, paging in that order", async () => {
    expect((await search({ sort: "slowest" })).traces.map((t) => t.trace_id)).toEqual([traceC, traceA, traceB]);
    const first = await search({ sort: "slowest", limit: "2" });
    expect(first.traces.map((t) => t.trace_id)).toEqual([traceC, traceA]);
    const second = await search({ sort: "slowest", limit: "2", cursor: first.next_cursor });
    expect(second.traces.map((t) => t.trace_id)).toEqual([traceB]);
    expect(second.next_cursor).toBeNull();
    expect(() => TraceSearchQuery.parse({ sort: "fastest" })).toThrow();
  });

  it("gives a chart the durations of the whole range, or the slowest of each slice past its limit", async () => {
    const durations = (query: Record<string, unknown>, as: Ctx = ctx) =>
      traceDurations({ ctx: as, input: TraceDurationsQuery.parse(query) });
    const all = await durations({});
    expect(all).toMatchObject({ total: 3, complete: true });
    expect(all.points.map((p) => [p.trace_id, Math.round(p.duration_ms), p.error, p.root_name])).toEqual([
      [traceA, 300, true, "GET /orders"],
      [traceB, 50, false, "GET /orders"],
      [traceC, 1200, true, "POST /pay"],
    ]);
    expect(Date.parse(all.points[2]!.start_time)).toBeCloseTo(now - 120_000, -1);
    // one point: the slowest trace of all
    expect(await durations({ limit: "1" })).toMatchObject({
      total: 3,
      complete: false,
      points: [{ trace_id: traceC }],
    });
    // the search's filters apply
    expect((await durations({ status: "error" })).points.map((p) => p.trace_id)).toEqual([traceA, traceC]);
    expect((await durations({ min_duration_ms: "100", max_duration_ms: "500" })).points.map((p) => p.trace_id)).toEqual(
      [traceA],
    );
    expect(await durations({}, other)).toMatchObject({ total: 1, complete: true });
    expect(() => TraceDurationsQuery.parse({ limit: "2001" })).toThrow();
  });

  it("pages with a cursor without repeats or gaps while newer traces arrive", async () => {
    const first = await search({ limit: "2" });
    expect(first.traces).toHaveLength(2);
    await ingestSpans({
      ctx,
      input: [{ name: "late", service_name: "api", start_time: secondsAgo(1), duration_ms: 1 }],
    });
    const second = await search({ limit: "2", cursor: first.next_cursor });
    expect([...first.traces, ...second.traces].map((t) => t.trace_id)).toEqual([traceC, traceB, traceA]);
    expect(second.next_cursor).toBeNull();
  });

  it("returns a whole trace with its root, and flags spans whose parent never arrived", async () => {
    const trace = await getTrace({ ctx, input: { trace_id: traceA.toUpperCase() } });
    expect(trace).toMatchObject({
      trace_id: traceA,
      span_count: 3,
      error_count: 1,
      services: ["api", "db"],
      service_name: "api",
    });
    expect(trace.root_span!.span_id).toBe("a000000000000001");
    expect(trace.spans.map((s) => [s.name, s.missing_parent])).toEqual([
      ["GET /orders", false],
      ["SELECT", false],
      ["orphan", true],
    ]);
    expect(trace.spans[1]!.status).toEqual({ code: "error", message: null });
    await expect(getTrace({ ctx, input: { trace_id: newTraceId() } })).rejects.toMatchObject({ code: "not_found" });
    await expect(getTrace({ ctx: other, input: { trace_id: traceA } })).rejects.toMatchObject({ code: "not_found" });
  });

  it("pages a long trace by span id: every span once, parents on other pages found, the root on the first page", async () => {
    const trace = newTraceId();
    const id = (n: number) => n.toString(16).padStart(16, "0");
    // span n's parent is span n / 2 (span 1 the root); span 50 names a parent that never arrives; the ids run
    // against the start order, so pages (by span id) and start order differ
    const spans = Array.from({ length: 50 }, (_, i) => ({
      trace_id: trace,
      span_id: id(i + 1),
      parent_span_id: i === 0 ? null : i === 49 ? id(999) : id(Math.floor((i + 1) / 2)),
      name: `op-${i + 1}`,
      service_name: i % 2 ? "api" : "db",
      start_time: secondsAgo(100 - i),
      duration_ms: 1,
      status: i % 10 === 3 ? "ERROR" : "OK",
    }));
    expect(await ingestSpans({ ctx, input: spans })).toMatchObject({ accepted: 50 });
    const pages = [];
    let cursor: string | undefined;
    do {
      const page = await getTrace({ ctx, input: { trace_id: trace, limit: 8, cursor } });
      pages.push(page);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(pages).toHaveLength(7);
    for (const page of pages) {
      expect(page).toMatchObject({ span_count: 50, error_count: 5, services: ["api", "db"] });
      expect(page.spans.length).toBeLessThanOrEqual(8);
      // in start order within the page
      const starts = page.spans.map((s) => BigInt(s.start_time_unix_nano));
      expect(starts).toEqual([...starts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    const all = pages.flatMap((p) => p.spans);
    expect(all.map((s) => s.span_id).sort()).toEqual(spans.map((s) => s.span_id).sort());
    expect(all.filter((s) => s.missing_parent).map((s) => s.name)).toEqual(["op-50"]);
    expect(pages[0]!.root_span?.name).toBe("op-1");
    expect(pages[0]!.service_name).toBe("db");
    expect(pages.slice(1).every((p) => p.root_span === null)).toBe(true);
    // the top of the tree first: the earliest spans by start time, the root among them
    const top = await getTrace({ ctx, input: { trace_id: trace, limit: 5, order: "start" } });
    expect(top.spans.map((s) => s.name)).toEqual(["op-1", "op-2", "op-3", "op-4", "op-5"]);
    expect(top).toMatchObject({ next_cursor: null, span_count: 50, root_span: { name: "op-1" } });
    await expect(
      getTrace({ ctx, input: { trace_id: trace, order: "start", cursor: pages[0]!.next_cursor! } }),
    ).rejects.toMatchObject({ code: "validation_failed" });
    // the whole trace at once, as before, when it fits
    const whole = await getTrace({ ctx, input: { trace_id: trace } });
    expect(whole.spans).toHaveLength(50);
    expect(whole.next_cursor).toBeNull();
    expect(whole.spans.map((s) => s.name)).toEqual(spans.map((s) => s.name));
  });

  it("rejects a cursor it did not give out", async () => {
    await expect(search({ cursor: "bm9wZQ" })).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(/cursor/),
    });
  });
});

describe("services", () => {
  it("gives rate, error rate and latency percentiles of server spans per service and operation", async () => {
    const { services } = await listServices({
      ctx,
      input: ServicesQuery.parse({ from: String(now - 3_600_000), to: String(now) }),
    });
    const api = services.find((s) => s.name === "api")!;
    expect(api).toMatchObject({ request_count: 3, error_count: 1 });
    expect(api.error_rate).toBeCloseTo(1 / 3);
    expect(api.request_rate).toBeCloseTo(3 / 3600);
    expect(api.p50_ms).toBeCloseTo(300, 3);
    expect(services.map((s) => s.name)).not.toContain("hidden");
    const { operations } = await listOperations({ ctx, input: { ...ServicesQuery.parse({}), name: "api" } });
    expect(operations.find((o) => o.name === "GET /orders")).toMatchObject({ request_count: 2, error_count: 0 });
  });

  it("gives RED per time bucket with every bucket of the range present", async () => {
    const { step_seconds, series } = await serviceSeries({
      ctx,
      input: ServiceSeriesQuery.parse({ from: "now-15m", to: "now", step_seconds: "60" }),
    });
    expect(step_seconds).toBe(60);
    const api = series.find((s) => s.service === "api")!;
    expect(api.points.length).toBeGreaterThanOrEqual(15);
    expect(api.points.length).toBeLessThanOrEqual(17);
    expect(api.points.reduce((n, p) => n + p.request_count, 0)).toBe(3);
    const failing = api.points.find((p) => p.error_count > 0)!;
    expect(failing).toMatchObject({ request_count: 1, error_rate: 1, request_rate: 1 / 60 });
    expect(failing.p95_ms).toBeCloseTo(1200, 3);
    expect(Date.parse(failing.time)).toBeLessThanOrEqual(now - 120_000);
    expect(Date.parse(failing.time)).toBeGreaterThan(now - 120_000 - 60_000);
    expect(api.points.filter((p) => p.request_count === 0).every((p) => p.p95_ms === null)).toBe(true);
    expect(series.map((s) => s.service)).not.toContain("hidden");

    const one = await serviceSeries({ ctx, input: ServiceSeriesQuery.parse({ service: "nobody", from: "now-1h" }) });
    expect(one.step_seconds).toBe(60);
    expect(one.series).toEqual([{ service: "nobody", points: expect.any(Array) }]);
    expect(one.series[0]!.points.every((p) => p.request_count === 0)).toBe(true);
    await expect(
      serviceSeries({ ctx, input: ServiceSeriesQuery.parse({ from: "now-7d", step_seconds: "1" }) }),
    ).rejects.toMatchObject({ code: "unprocessable" });
  });
});

describe("pipeline", () => {
  it("lists failed events with error and retries, slow events, and a task's record", async () => {
    const failed = await listPipelineEvents({ ctx, input: PipelineEventsQuery.parse({ status: "failed" }) });
    expect(failed.events).toEqual([
      expect.objectContaining({ task_id: "t1", error: "disk full", retry_count: 2, process_id: 7, duration_ms: 2000 }),
    ]);
    expect(
      (await listPipelineEvents({ ctx, input: PipelineEventsQuery.parse({ error: "DISK" }) })).events.map(
        (e) => e.task_id,
      ),
    ).toEqual(["t1"]);
    const slow = await listSlowEvents({ ctx, input: SlowQuery.parse({ threshold_seconds: "1" }) });
    expect(slow.events.map((e) => e.task_id)).toEqual(["t3", "t1"]);
    expect(
      (
        await listSlowEvents({ ctx, input: SlowQuery.parse({ threshold_seconds: "1", event_name: "resize" }) })
      ).events.map((e) => e.task_id),
    ).toEqual(["t1"]);
    expect(
      (await listPipelineEvents({ ctx, input: PipelineEventsQuery.parse({ event_name: "email" }) })).events.map(
        (e) => e.task_id,
      ),
    ).toEqual(["t4", "t3"]);
    expect(
      (await listPipelineEvents({ ctx, input: PipelineEventsQuery.parse({ status: "pending" }) })).events.map(
        (e) => e.task_id,
      ),
    ).toEqual(["t4"]);
    expect(await getTask({ ctx, input: { task_id: "t4" } })).toMatchObject({
      status: "pending",
      end_time: null,
      duration_ms: null,
    });
    await expect(getTask({ ctx: other, input: { task_id: "t4" } })).rejects.toMatchObject({ code: "not_found" });
  });

  it("pages events with a cursor", async () => {
    const first = await listPipelineEvents({ ctx, input: PipelineEventsQuery.parse({ limit: "3" }) });
    const second = await listPipelineEvents({
      ctx,
      input: PipelineEventsQuery.parse({ limit: "3", cursor: first.next_cursor }),
    });
    expect([...first.events, ...second.events].map((e) => e.task_id)).toEqual(["t4", "t3", "t2", "t1"]);
  });

  it("summarises runs, failures, retries and stuck tasks, in total and per time bucket", async () => {
    const summary = await pipelineSummary({
      ctx,
      input: PipelineSummaryQuery.parse({ from: "now-15m", step_seconds: "60", threshold_seconds: "150" }),
    });
    expect(summary).toMatchObject({ runs: 4, failed: 1, retried: 2, pending: 1, stuck: 1, step_seconds: 60 });
    expect(summary.failure_rate).toBeCloseTo(1 / 3); // of the three that finished
    expect(summary.series.reduce((n, p) => n + p.runs, 0)).toBe(4);
    expect(summary.series.filter((p) => p.failed > 0)).toEqual([
      expect.objectContaining({ runs: 1, failed: 1, retried: 1 }),
    ]);
    expect(summary.retry_distribution).toEqual([
      { retry_count: 0, runs: 2 },
      { retry_count: 1, runs: 1 },
      { retry_count: 2, runs: 1 },
    ]);
    // t4 has been pending 200 s: stuck past a 150 s threshold, not past 300 s
    expect(
      (await pipelineSummary({ ctx, input: PipelineSummaryQuery.parse({ threshold_seconds: "300" }) })).stuck,
    ).toBe(0);
    expect((await pipelineSummary({ ctx, input: PipelineSummaryQuery.parse({ event_name: "email" }) })).runs).toBe(2);
    expect((await pipelineSummary({ ctx: other, input: PipelineSummaryQuery.parse({}) })).runs).toBe(0);
  });

  it("flags a task stuck while it is pending longer than the threshold, by the request's clock", async () => {
    const pending = async (threshold: string, at = ctx) =>
      (
        await listPipelineEvents({
          ctx: at,
          input: PipelineEventsQuery.parse({ status: "pending", threshold_seconds: threshold }),
        })
      ).events.map((e) => [e.task_id, e.stuck]);
    const task = async (taskId: string, query: Record<string, string>, at = ctx) =>
      (await getTask({ ctx: at, input: { task_id: taskId, ...TaskQuery.parse(query) } })).stuck;
    // t4 has been pending 200 s
    expect(await pending("150")).toEqual([["t4", true]]);
    expect(await pending("300")).toEqual([["t4", false]]);
    expect(await task("t4", { threshold_seconds: "150" })).toBe(true);
    expect(await task("t4", { threshold_seconds: "300" })).toBe(false);
    // the default is the Events page's slow threshold, 1 s; and what the request calls now counts
    expect(await task("t4", {})).toBe(true);
    const later = { ...ctx, now: () => new Date(now + 200_000) };
    expect(await pending("300", later)).toEqual([["t4", true]]);
    expect(await task("t4", { threshold_seconds: "300" }, later)).toBe(true);
    // a finished task is never stuck, however long ago it started
    expect(await task("t1", { threshold_seconds: "0" })).toBe(false);
    const all = await listPipelineEvents({ ctx, input: PipelineEventsQuery.parse({ threshold_seconds: "0" }) });
    expect(all.events.filter((e) => e.stuck).map((e) => e.task_id)).toEqual(["t4"]);
    const slow = await listSlowEvents({ ctx, input: SlowQuery.parse({ threshold_seconds: "0" }) });
    expect(slow.events.some((e) => e.stuck)).toBe(false);
    // the summary counts the same tasks
    const summary = await pipelineSummary({
      ctx: later,
      input: PipelineSummaryQuery.parse({ threshold_seconds: "300" }),
    });
    expect(summary.stuck).toBe(1);
  });

  it("charts network operations per host:port over time", async () => {
    const { series } = await networkSeries({
      ctx,
      input: NetworkSeriesQuery.parse({ from: "now-15m", step_seconds: "60" }),
    });
    expect(series.map((s) => `${s.host}:${s.port}`)).toEqual(["s3:443", "smtp:25"]);
    const s3 = series[0]!;
    expect(s3.points.reduce((n, p) => n + p.operations, 0)).toBe(2);
    expect(s3.points.reduce((n, p) => n + p.errors, 0)).toBe(1);
    expect(s3.points.reduce((n, p) => n + p.bytes_sent, 0)).toBe(150);
    expect(s3.points.find((p) => p.errors === 1)!.p95_ms).toBeCloseTo(3000, 0);
    expect(
      (await networkSeries({ ctx, input: NetworkSeriesQuery.parse({ host: "smtp" }) })).series.map((s) => s.host),
    ).toEqual(["smtp"]);
    expect(
      (await listNetworkOps({ ctx, input: NetworkQuery.parse({ task_id: "t2" }) })).operations.map((o) => o.error),
    ).toEqual(["timeout"]);
  });

  it("computes retry statistics", async () => {
    const stats = await retryStats({ ctx, input: RetryStatsQuery.parse({}) });
    expect(stats).toMatchObject({
      total_events: 4,
      events_retried: 2,
      total_retries: 3,
      retry_rate: 0.5,
      max_retries: 2,
    });
    expect(stats.by_event_name).toEqual([
      { event_name: "email", runs: 2, failures: 0, retries: 1, p50_ms: 5000, p95_ms: 5000 },
      expect.objectContaining({ event_name: "resize", runs: 2, failures: 1, retries: 2, p50_ms: 1250 }),
    ]);
  });

  it("lists failed and slow network operations and totals per host:port", async () => {
    expect(
      (await listNetworkOps({ ctx, input: NetworkQuery.parse({ failed: "true" }) })).operations.map((o) => o.error),
    ).toEqual(["timeout"]);
    expect(
      (await listNetworkOps({ ctx, input: NetworkQuery.parse({ failed: "false" }) })).operations.map((o) => o.task_id),
    ).toEqual(["t3", "t1"]);
    expect(
      (await listNetworkOps({ ctx, input: NetworkQuery.parse({ host: "smtp" }) })).operations.map((o) => o.task_id),
    ).toEqual(["t3"]);
    expect(
      (await listSlowNetworkOps({ ctx, input: SlowNetworkQuery.parse({ threshold_seconds: "1" }) })).operations.map(
        (o) => o.task_id,
      ),
    ).toEqual(["t2"]);
    const { hosts } = await networkHosts({ ctx, input: HostsQuery.parse({}) });
    expect(hosts[0]).toMatchObject({
      host: "s3",
      port: 443,
      operations: 2,
      errors: 1,
      bytes_sent: 150,
      bytes_received: 1000,
    });
    expect(hosts[1]).toMatchObject({ host: "smtp", port: 25, operations: 1, errors: 0 });
  });
});

describe("logs and events", () => {
  const logs = (query: Record<string, unknown>) => searchLogs({ ctx, input: LogSearchQuery.parse(query) });

  it("searches logs by severity (at least), text, service and trace", async () => {
    expect((await logs({})).logs.map((l) => l.body)).toEqual([
      "cache warm",
      "payment declined for card 42",
      "order listed",
    ]);
    expect((await logs({ severity: "info" })).logs.map((l) => l.severity_text)).toEqual(["ERROR", "INFO"]);
    expect((await logs({ q: "DECLINED" })).logs).toHaveLength(1);
    expect((await logs({ q: "100%" })).logs).toHaveLength(0);
    expect((await logs({ service: "worker" })).logs.map((l) => l.body)).toEqual(["cache warm"]);
    expect((await logs({ trace_id: traceC })).logs.map((l) => l.severity_number)).toEqual([17]);
  });

  it("pages logs with a cursor while newer logs arrive", async () => {
    const first = await logs({ limit: "2" });
    await ingestLogs({ ctx, input: [{ message: "newest", timestamp: secondsAgo(0.5) }] });
    const second = await logs({ limit: "2", cursor: first.next_cursor });
    expect([...first.logs, ...second.logs].map((l) => l.body)).toEqual([
      "cache warm",
      "payment declined for card 42",
      "order listed",
    ]);
  });

  it("searches events by name and text", async () => {
    const all = await searchEvents({ ctx, input: EventSearchQuery.parse({}) });
    expect(all.events.map((e) => e.name)).toEqual(["rollback", "deploy"]);
    expect(
      (await searchEvents({ ctx, input: EventSearchQuery.parse({ q: "1.4" }) })).events.map((e) => e.name),
    ).toEqual(["deploy"]);
    expect(
      (await searchEvents({ ctx, input: EventSearchQuery.parse({ name: "rollback" }) })).events.map((e) => e.name),
    ).toEqual(["rollback"]);
    expect((await searchEvents({ ctx, input: EventSearchQuery.parse({ service: "none" }) })).events).toEqual([]);
  });
});

describe("metrics", () => {
  it("gives the range's exemplars that name a trace, largest first", async () => {
    const own = await createTestProject(database);
    const nanos = (secondsBefore: number) => String(BigInt(Math.round(now - secondsBefore * 1000)) * 1_000_000n);
    const exemplar = (secondsBefore: number, value: number, traceId?: string) => ({
      timeUnixNano: nanos(secondsBefore),
      asDouble: value,
      ...(traceId ? { traceId: traceId.toUpperCase(), spanId: "00f067aa0ba902b7" } : {}),
    });
    const request = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "api" } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: "http.server.request.duration",
                  unit: "s",
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      {
                        startTimeUnixNano: nanos(120),
                        timeUnixNano: nanos(60),
                        count: "3",
                        sum: 2.6,
                        explicitBounds: [0.1, 1],
                        bucketCounts: ["1", "1", "1"],
                        exemplars: [
                          exemplar(70, 0.05, traceB),
                          exemplar(65, 2.4, traceC),
                          exemplar(64, 0.2), // names no trace
                          exemplar(7200, 9, traceA), // outside the range
                        ],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    await receiveOtlp({
      ctx: { ...own, database },
      input: { signal: "metrics", bytes: Buffer.from(JSON.stringify(request)), format: "json" },
    });
    const answer = await queryMetric({
      ctx: { ...own, database },
      input: MetricQuery.parse({ name: "http.server.request.duration", agg: "p95" }),
    });
    expect(answer.exemplars.map((e) => [e.trace_id, e.value, e.span_id])).toEqual([
      [traceC, 2.4, "00f067aa0ba902b7"],
      [traceB, 0.05, "00f067aa0ba902b7"],
    ]);
    expect(Date.parse(answer.exemplars[0]!.time)).toBeCloseTo(now - 65_000, -2);
  });

  it("lists names with type, unit and tag keys", async () => {
    const { metrics } = await listMetrics({ ctx, input: {} });
    expect(metrics).toEqual([
      { name: "cpu", type: "gauge", unit: "1", description: null, tag_keys: ["host"], series_count: 1 },
      { name: "http.requests", type: "counter", unit: null, description: null, tag_keys: ["route"], series_count: 2 },
    ]);
  });

  it("aggregates by step, filters by tags and groups by tag keys", async () => {
    const query = (q: Record<string, unknown>) =>
      queryMetric({
        ctx,
        input: MetricQuery.parse({ name: "http.requests", from: String(now - 600_000), to: String(now), ...q }),
      });
    const sum = await query({ agg: "sum", step: "10m" });
    expect(sum.series).toHaveLength(1);
    expect(sum.series[0]!.points.reduce((a, [, v]) => a + v, 0)).toBe(100);
    const byRoute = await query({ agg: "count", step: "10m", group_by: "route" });
    expect(byRoute.series.map((s) => [s.tags.route, s.points.reduce((a, [, v]) => a + v, 0)])).toEqual([
      ["/a", 4],
      ["/b", 2],
    ]);
    const onlyB = await query({ agg: "rate", step: "10m", tag: "route:/b" });
    expect(onlyB.series[0]!.points.reduce((a, [, v]) => a + v, 0)).toBeCloseTo(60 / 600);
    expect(byRoute.step_seconds).toBe(600);
  });
});

describe("project isolation", () => {
  it("shows a project none of another project's data", async () => {
    const as = other;
    expect((await searchTraces({ ctx: as, input: TraceSearchQuery.parse({}) })).traces.map((t) => t.root_name)).toEqual(
      ["secret"],
    );
    expect((await listServices({ ctx: as, input: ServicesQuery.parse({}) })).services.map((s) => s.name)).toEqual([
      "hidden",
    ]);
    expect((await listPipelineEvents({ ctx: as, input: PipelineEventsQuery.parse({}) })).events).toEqual([]);
    expect((await listSlowEvents({ ctx: as, input: SlowQuery.parse({ threshold_seconds: "0" }) })).events).toEqual([]);
    expect((await retryStats({ ctx: as, input: RetryStatsQuery.parse({}) })).total_events).toBe(0);
    expect((await listNetworkOps({ ctx: as, input: NetworkQuery.parse({}) })).operations).toEqual([]);
    expect((await networkHosts({ ctx: as, input: HostsQuery.parse({}) })).hosts).toEqual([]);
    expect((await searchLogs({ ctx: as, input: LogSearchQuery.parse({}) })).logs).toEqual([]);
    expect((await searchEvents({ ctx: as, input: EventSearchQuery.parse({}) })).events).toEqual([]);
    expect((await listMetrics({ ctx: as, input: {} })).metrics).toEqual([]);
    expect((await queryMetric({ ctx: as, input: MetricQuery.parse({ name: "http.requests" }) })).series).toEqual([]);
  });
});

describe("publishers", () => {
  it("lists the project's publishers with their status", async () => {
    const [p] = await database.db
      .insert(publishers)
      .values({
        projectId: ctx.projectId,
        name: "es-main",
        type: "elasticsearch",
        origin: "server",
        config: { url: "http://es:9200", password: "hunter2-secret" },
      })
      .returning({ id: publishers.id });
    await database.db.insert(publisherStatus).values({
      publisherId: p!.id,
      state: "failing",
      lastError: "connection refused",
      sentCount: 10,
      failedCount: 3,
      backlog: 5,
    });
    const { publishers: list } = await listPublishers({ ctx });
    expect(list).toEqual([
      expect.objectContaining({
        name: "es-main",
        state: "failing",
        target: "http://es:9200",
        sent_count: 10,
        failed_count: 3,
        backlog: 5,
        last_error: "connection refused",
      }),
    ]);
    expect(JSON.stringify(list)).not.toContain("hunter2");
    expect(list[0]!.config).toEqual({ url: "http://es:9200", password: "••••••" });
    expect((await listPublishers({ ctx: other })).publishers).toEqual([]);
  });
});
