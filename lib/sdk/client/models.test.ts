import { describe, expect, it } from "vitest";
import { newSpanId, newTraceId } from "./ids";
import { Event, LogRecord, Metric, MetricType, Severity, Span, SpanKind, SpanStatus, Trace } from "./models";

describe("ids", () => {
  it("are lowercase hex of the W3C lengths and do not repeat", () => {
    const traces = new Set(Array.from({ length: 1000 }, newTraceId));
    const spans = new Set(Array.from({ length: 1000 }, newSpanId));
    expect(traces.size).toBe(1000);
    expect(spans.size).toBe(1000);
    for (const id of traces) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("Span", () => {
  const start = new Date("2026-11-22T08:00:00.000Z");

  it("starts a new trace unless given one, and defaults to an internal span with unset status", () => {
    const span = new Span({ name: "GET /", serviceName: "web", startTime: start });
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.status).toBe(SpanStatus.UNSET);
    expect(span.durationMs).toBeUndefined();
  });

  it("measures from start to the first finish", () => {
    const span = new Span({ name: "work", serviceName: "web", startTime: start });
    span.finish(new Date(start.getTime() + 250));
    span.finish(new Date(start.getTime() + 900));
    expect(span.finished).toBe(true);
    expect(span.durationMs).toBe(250);
  });

  it("keeps a status description with any status, as the reference client does", () => {
    const span = new Span({ name: "work", serviceName: "web" });
    expect(span.setStatus(SpanStatus.ERROR, "timed out").statusMessage).toBe("timed out");
    expect(span.setStatus(SpanStatus.OK, "fine").toJSON()).toMatchObject({ status: "ok", status_message: "fine" });
    expect(span.setStatus(SpanStatus.UNSET).statusMessage).toBeUndefined();
  });

  it("puts the children of a trace's spans in the trace", () => {
    const trace = new Trace({ serviceName: "web", attributes: { tenant: "t1" } });
    const root = trace.startSpan("GET /orders");
    const child = root.startChild("SELECT orders");
    const grandchild = child.startChild("fetch rows");
    const loose = new Span({ name: "alone", serviceName: "web" }).startChild("its child");
    expect(trace.spans).toEqual([root, child, grandchild]);
    expect(trace.spans.map((s) => s.parentSpanId)).toEqual([undefined, root.spanId, child.spanId]);
    expect(trace.spans).not.toContain(loose);
  });

  it("serializes to the snake_case wire shape", () => {
    const parent = new Span({
      name: "GET /orders",
      serviceName: "web",
      kind: SpanKind.SERVER,
      startTime: start,
      resourceAttributes: { "host.name": "a" },
    });
    const child = parent.startChild("SELECT orders", {
      kind: SpanKind.CLIENT,
      startTime: new Date(start.getTime() + 1),
    });
    child.setAttribute("db.system", "postgresql").setAttributes({ "db.rows": 3 });
    child.addEvent("cache miss", { key: "orders:1" }, new Date(start.getTime() + 2));
    child.setStatus(SpanStatus.ERROR, "deadlock").finish(new Date(start.getTime() + 5));
    expect(JSON.parse(JSON.stringify(child))).toEqual({
      trace_id: parent.traceId,
      span_id: child.spanId,
      parent_span_id: parent.spanId,
      name: "SELECT orders",
      service_name: "web",
      kind: "client",
      status: "error",
      status_message: "deadlock",
      start_time: "2026-11-22T08:00:00.001Z",
      end_time: "2026-11-22T08:00:00.005Z",
      attributes: { "db.system": "postgresql", "db.rows": 3 },
      events: [{ name: "cache miss", timestamp: "2026-11-22T08:00:00.002Z", attributes: { key: "orders:1" } }],
      resource_attributes: {},
    });
    expect(parent.toJSON()).not.toHaveProperty("parent_span_id");
    expect(parent.toJSON()).not.toHaveProperty("end_time");
  });
});

describe("Trace", () => {
  it("knows its root, its span count and its duration from first start to last end", () => {
    const t0 = Date.parse("2026-11-22T08:00:00Z");
    const trace = new Trace({ serviceName: "checkout" });
    expect(trace.rootSpan).toBeUndefined();
    expect(trace.durationMs).toBeUndefined();
    const root = trace.startSpan("POST /pay", { kind: SpanKind.SERVER, startTime: new Date(t0) });
    const charge = trace.startSpan("charge card", {
      parent: root,
      serviceName: "payments",
      startTime: new Date(t0 + 10),
    });
    charge.finish(new Date(t0 + 300));
    root.finish(new Date(t0 + 120));
    expect(trace.rootSpan).toBe(root);
    expect(trace.spanCount).toBe(2);
    expect(trace.durationMs).toBe(300);
    expect(charge.traceId).toBe(trace.traceId);
    expect(charge.parentSpanId).toBe(root.spanId);
    expect(charge.serviceName).toBe("payments");
  });
});

describe("Event, Metric and LogRecord", () => {
  const at = new Date("2026-11-22T08:00:00Z");

  it("serialize with defaults and without unset optional fields", () => {
    expect(new Event({ name: "deploy", timestamp: at, attributes: { version: "1.4" } }).toJSON()).toEqual({
      name: "deploy",
      timestamp: "2026-11-22T08:00:00.000Z",
      attributes: { version: "1.4" },
    });
    expect(new Metric({ name: "queue.depth", value: 7, timestamp: at }).toJSON()).toEqual({
      name: "queue.depth",
      value: 7,
      metric_type: "gauge",
      timestamp: "2026-11-22T08:00:00.000Z",
      tags: {},
    });
    expect(
      new Metric({
        name: "requests",
        value: 1,
        metricType: MetricType.COUNTER,
        unit: "1",
        tags: { route: "/" },
        serviceName: "web",
        timestamp: at,
      }).toJSON(),
    ).toMatchObject({
      metric_type: "counter",
      unit: "1",
      tags: { route: "/" },
      service_name: "web",
    });
    expect(new LogRecord({ message: "started", timestamp: at }).toJSON()).toEqual({
      message: "started",
      severity: "info",
      timestamp: "2026-11-22T08:00:00.000Z",
      attributes: {},
      resource_attributes: {},
    });
    expect(
      new LogRecord({
        message: "failed",
        severity: Severity.ERROR,
        traceId: "a".repeat(32),
        spanId: "b".repeat(16),
      }).toJSON(),
    ).toMatchObject({
      severity: "error",
      trace_id: "a".repeat(32),
      span_id: "b".repeat(16),
    });
  });
});
