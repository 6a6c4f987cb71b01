import { describe, expect, it } from "vitest";
import { LogIn, MetricIn, NetworkOpIn, PipelineEventIn, SpanIn } from "./wire";

const start = "2025-11-22T05:00:00Z";
const nested = (depth: number): unknown => (depth === 0 ? "leaf" : { n: nested(depth - 1) });
const startNs = 1_763_787_600_000_000_000n;

describe("SpanIn", () => {
  it("generates missing ids as lowercase hex of the right length", () => {
    const span = SpanIn.parse({ name: "work", start_time: start });
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.parentSpanId).toBeNull();
  });

  it("lower-cases given ids and treats an empty parent as none", () => {
    const span = SpanIn.parse({
      name: "w",
      start_time: start,
      trace_id: "0AF7651916CD43DD8448EB211C80319C",
      span_id: "B7AD6B7169203331",
      parent_span_id: "",
    });
    expect(span.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(span.spanId).toBe("b7ad6b7169203331");
    expect(span.parentSpanId).toBeNull();
  });

  it("derives the end from duration_ms, and prefers end_time when both are given", () => {
    expect(SpanIn.parse({ name: "w", start_time: start, duration_ms: 12.5 }).endTimeUnixNano).toBe(
      startNs + 12_500_000n,
    );
    const both = SpanIn.parse({ name: "w", start_time: start, end_time: "2025-11-22T05:00:01Z", duration_ms: 3 });
    expect(both.endTimeUnixNano).toBe(startNs + 1_000_000_000n);
    const fromEnd = SpanIn.parse({ name: "w", end_time: "2025-11-22T05:00:01Z", duration_ms: 250 });
    expect(fromEnd.startTimeUnixNano).toBe(startNs + 750_000_000n);
  });

  it("accepts enums in any case, with OTLP prefixes, or as OTLP integers", () => {
    expect(SpanIn.parse({ name: "w", start_time: start, kind: "SERVER" }).kind).toBe("server");
    expect(SpanIn.parse({ name: "w", start_time: start, kind: "span_kind_client" }).kind).toBe("client");
    expect(SpanIn.parse({ name: "w", start_time: start, kind: 5 }).kind).toBe("consumer");
    expect(SpanIn.parse({ name: "w", start_time: start, status: "Error" }).statusCode).toBe("error");
    const status = SpanIn.parse({
      name: "w",
      start_time: start,
      status: { code: "STATUS_CODE_ERROR", message: "timeout" },
    });
    expect([status.statusCode, status.statusMessage]).toEqual(["error", "timeout"]);
  });

  it("takes the service from resource attributes when service_name is absent", () => {
    expect(
      SpanIn.parse({ name: "w", start_time: start, resource_attributes: { "service.name": "api" } }).serviceName,
    ).toBe("api");
    expect(SpanIn.parse({ name: "w", start_time: start }).serviceName).toBe("unknown_service");
  });

  it("says what is wrong with an invalid span", () => {
    const cases: [unknown, string][] = [
      [{ start_time: start }, "name"],
      [{ name: "w" }, "start_time"],
      [{ name: "w", start_time: start, trace_id: "xyz" }, "trace_id"],
      [{ name: "w", start_time: start, span_id: "0000000000000000" }, "span_id"],
      [{ name: "w", start_time: start, kind: "sideways" }, "kind"],
      [{ name: "w", start_time: start, end_time: "2025-11-22T04:00:00Z" }, "end_time"],
      [{ name: "w", start_time: "soon" }, "start_time"],
      [{ name: "w", start_time: start, attributes: { deep: nested(100) } }, "attributes"],
    ];
    for (const [input, field] of cases) {
      const result = SpanIn.safeParse(input);
      expect(result.success, JSON.stringify(input)).toBe(false);
      expect(result.error!.issues.map((i) => i.path.join("."))).toContain(field);
    }
  });
});

describe("other signals", () => {
  it("reads metric types in any case and stringifies tag values", () => {
    const metric = MetricIn.parse({ name: "hits", value: 3, metric_type: "COUNTER", tags: { code: 200, ok: true } });
    expect(metric.type).toBe("counter");
    expect(metric.tags).toEqual({ code: "200", ok: "true" });
    expect(MetricIn.safeParse({ name: "hits", value: "three" }).success).toBe(false);
  });

  it("maps log severities to OpenTelemetry numbers", () => {
    expect(LogIn.parse({ message: "m", severity: "WARNING" }).severityNumber).toBe(13);
    expect(LogIn.parse({ message: "m", severity: "error" }).severityNumber).toBe(17);
    expect(LogIn.parse({ message: "m", severity_number: 21 }).severityText).toBe("FATAL");
    expect(LogIn.parse({ body: { order: 7 } }).body).toEqual({ order: 7 });
    expect(LogIn.safeParse({ severity: "info" }).success).toBe(false);
    expect(LogIn.safeParse({ body: nested(30) }).success).toBe(true);
    expect(LogIn.safeParse({ body: nested(100) }).success).toBe(false);
  });

  it("infers a pipeline event's status when it is not given", () => {
    const base = { event_name: "resize", task_id: "t", start_time: 1_763_787_600 };
    expect(PipelineEventIn.parse(base).status).toBe("pending");
    expect(PipelineEventIn.parse({ ...base, end_time: 1_763_787_601 }).status).toBe("completed");
    expect(PipelineEventIn.parse({ ...base, end_time: 1_763_787_601, error: "boom" }).status).toBe("failed");
    expect(PipelineEventIn.parse({ ...base, status: "FAILED" }).status).toBe("failed");
    expect(PipelineEventIn.safeParse({ ...base, retry_count: -1 }).success).toBe(false);
  });

  it("validates network operations", () => {
    const op = NetworkOpIn.parse({ task_id: "t", host: "db", port: 5432, start_time: 1_763_787_600 });
    expect(op.operation).toBe("remote_call");
    expect(NetworkOpIn.safeParse({ task_id: "t", host: "db", port: 70000, start_time: 1 }).success).toBe(false);
  });
});
