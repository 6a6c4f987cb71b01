import { describe, expect, it } from "vitest";
import { mapMetrics } from "@/lib/ingest/otlp/map";
import { EventIn, LogIn, MetricIn, NetworkOpIn, PipelineEventIn, SpanIn } from "@/lib/model/wire";
import { ShopMetrics } from "./metrics";
import { Random } from "./random";
import { deployEvent, ERROR_RATE, generateTrace, SLOW_RATE, type ShopTrace } from "./shop";
import { stuckTasks, TASK_FAILURE_RATE, TASK_RETRY_RATE } from "./tasks";
import type { WireSpan } from "./wire";

const START = Date.UTC(2026, 10, 22, 9, 0, 0);
const TRACES = 2000;

function shop(seed: number, count: number, idSalt = 0): ShopTrace[] {
  const rand = new Random(seed, idSalt);
  const traces: ShopTrace[] = [];
  let time = START;
  for (let i = 0; i < count; i++) {
    traces.push(generateTrace(rand, time));
    time += rand.arrivalGap(2);
  }
  return traces;
}

const traces = shop(7, TRACES);
const requests = traces.filter((t) => t.scenario !== "inventory.sync");
const rootOf = (trace: ShopTrace): WireSpan => trace.spans.find((s) => s.parent_span_id === undefined)!;
const duration = (span: WireSpan) => span.end_time - span.start_time;

/** The messages of the items a schema refuses, at most a few. */
function refusals(
  schema: { safeParse: (v: unknown) => { success: boolean; error?: { message: string } } },
  items: unknown[],
): string[] {
  return items
    .map((item) => schema.safeParse(item))
    .filter((r) => !r.success)
    .slice(0, 3)
    .map((r) => r.error!.message);
}

describe("the demo shop", () => {
  it("makes records the server's wire schemas accept, every one", () => {
    expect(
      refusals(
        SpanIn,
        traces.flatMap((t) => t.spans),
      ),
    ).toEqual([]);
    expect(
      refusals(
        LogIn,
        traces.flatMap((t) => t.logs),
      ),
    ).toEqual([]);
    expect(refusals(EventIn, [...traces.flatMap((t) => t.events), deployEvent(new Random(1), START)])).toEqual([]);
    const stuck = stuckTasks(new Random(1), START, { processId: 4100, host: "worker-1" });
    expect(
      refusals(PipelineEventIn, [
        ...traces.flatMap((t) => t.taskReports.map((r) => r.report)),
        ...stuck.reports.map((r) => r.report),
      ]),
    ).toEqual([]);
    expect(refusals(NetworkOpIn, [...traces.flatMap((t) => t.networkOps), ...stuck.networkOps])).toEqual([]);
    // and the kinds of record a newcomer should find
    expect(traces.some((t) => t.events.some((e) => e.name === "cart.abandoned"))).toBe(true);
    expect(new Set(traces.flatMap((t) => t.logs.map((l) => l.severity)))).toEqual(
      new Set(["DEBUG", "INFO", "WARN", "ERROR"]),
    );
    expect(new Set(traces.flatMap((t) => t.spans.map((s) => s.kind)))).toEqual(
      new Set(["SERVER", "CLIENT", "PRODUCER", "CONSUMER", "INTERNAL"]),
    );
  });

  it("makes metric points the native schema and the OTLP mapping accept", () => {
    const metrics = new ShopMetrics(new Random(3), START);
    for (const trace of traces) metrics.observe(trace);
    const firstHalf = metrics.export(START + 5 * 60_000);
    const rest = metrics.exportAll();
    const points = [...firstHalf.points, ...rest.points];
    expect(refusals(MetricIn, points)).toEqual([]);
    const mapped = [firstHalf, rest].map((e) => mapMetrics(e.histograms as unknown as Record<string, unknown>, "hex"));
    expect(mapped.flatMap((m) => m.reasons)).toEqual([]);
    expect(mapped.map((m) => m.batch.metrics!.length)).toEqual([firstHalf.histogramPoints, rest.histogramPoints]);
    // every request is in a histogram bucket, and every order in the counter, once
    const counted = mapped
      .flatMap((m) => m.batch.metrics!)
      .reduce((sum, p) => sum + (p.bucketCounts ?? []).reduce((a, b) => a + b, 0), 0);
    expect(counted).toBe(traces.flatMap((t) => t.requests).length);
    const orders = points.filter((p) => p.name === "shop.orders.created").reduce((sum, p) => sum + p.value, 0);
    expect(orders).toBe(traces.flatMap((t) => t.orders).length);
  });

  it("gives each trace one root, and every parent a span of the same trace", () => {
    const wrong: string[] = [];
    for (const trace of traces) {
      const ids = new Set(trace.spans.map((s) => s.span_id));
      if (ids.size !== trace.spans.length) wrong.push(`${trace.traceId}: span ids repeat`);
      const roots = trace.spans.filter((s) => s.parent_span_id === undefined).length;
      if (roots !== 1) wrong.push(`${trace.traceId}: ${roots} roots`);
      for (const span of trace.spans) {
        if (span.trace_id !== trace.traceId) wrong.push(`span ${span.span_id}: trace ${span.trace_id}`);
        if (span.parent_span_id !== undefined && !ids.has(span.parent_span_id))
          wrong.push(`span ${span.span_id}: parent ${span.parent_span_id} is not in its trace`);
      }
      for (const log of trace.logs) {
        if (log.trace_id !== trace.traceId) wrong.push(`log "${log.message}": trace ${log.trace_id}`);
        if (log.span_id === undefined || !ids.has(log.span_id))
          wrong.push(`log "${log.message}": span ${log.span_id} is not in its trace`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("keeps child spans within their parents' time, except a consumer that runs after its producer", () => {
    const outside: string[] = [];
    for (const trace of traces) {
      const byId = new Map(trace.spans.map((s) => [s.span_id, s]));
      for (const span of trace.spans) {
        const parent = span.parent_span_id === undefined ? undefined : byId.get(span.parent_span_id);
        if (!parent) continue;
        if (!(span.start_time >= parent.start_time)) outside.push(`${span.name} starts before ${parent.name}`);
        // a queue consumer takes the message after the producer has published it and moved on
        if (span.kind === "CONSUMER" && parent.kind === "PRODUCER") continue;
        if (!(span.end_time <= parent.end_time)) outside.push(`${span.name} ends after ${parent.name}`);
      }
    }
    expect(outside.slice(0, 5)).toEqual([]);
  });

  it("fails about ERROR_RATE of requests with a 500 and the exception behind it", () => {
    const failed = requests.filter((t) => rootOf(t).status?.code === "ERROR");
    expect(failed.length / requests.length).toBeGreaterThan(ERROR_RATE * 0.6);
    expect(failed.length / requests.length).toBeLessThan(ERROR_RATE * 1.5);
    for (const trace of failed) {
      expect(rootOf(trace).attributes["http.response.status_code"]).toBe(500);
      const exceptions = trace.spans.flatMap((s) => s.events ?? []).filter((e) => e.name === "exception");
      expect(exceptions.length).toBeGreaterThan(0);
      for (const e of exceptions) {
        expect(Object.keys(e.attributes).sort()).toEqual([
          "exception.message",
          "exception.stacktrace",
          "exception.type",
        ]);
      }
      expect(trace.logs.some((l) => l.severity === "ERROR")).toBe(true);
    }
    // a request that succeeded has no failed span but a 404's client call
    const succeeded = requests.filter((t) => rootOf(t).status === undefined);
    for (const trace of succeeded) {
      const failedSpans = trace.spans.filter((s) => s.status?.code === "ERROR");
      expect(failedSpans.every((s) => s.attributes["http.response.status_code"] === 404)).toBe(true);
    }
  });

  it("slows about SLOW_RATE of requests to 1–3 s, each by a slow query", () => {
    const slow = requests.filter((t) => duration(rootOf(t)) >= 1000);
    expect(slow.length / requests.length).toBeGreaterThan(SLOW_RATE * 0.5);
    expect(slow.length / requests.length).toBeLessThan(SLOW_RATE * 1.6);
    for (const trace of slow) {
      expect(duration(rootOf(trace))).toBeLessThanOrEqual(3000);
      expect(trace.spans.some((s) => s.attributes["db.system"] === "postgresql" && duration(s) >= 1000)).toBe(true);
    }
  });

  it("makes traces of mostly 5–30 spans, and now and then a batch job of about 200", () => {
    const usual = requests.filter((t) => t.spans.length >= 5 && t.spans.length <= 30);
    expect(usual.length / requests.length).toBeGreaterThan(0.95);
    const batches = traces.filter((t) => t.scenario === "inventory.sync");
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      expect(batch.spans.length).toBeGreaterThan(150);
      expect(batch.spans.length).toBeLessThan(260);
    }
  });

  it("reports each task's start and end; some retry, a few fail, and their network operations carry the task id", () => {
    const reports = traces.flatMap((t) => t.taskReports);
    const byTask = new Map<string, typeof reports>();
    for (const r of reports) byTask.set(r.report.task_id, [...(byTask.get(r.report.task_id) ?? []), r]);
    expect(byTask.size).toBeGreaterThan(100);
    let retried = 0;
    let failedTasks = 0;
    for (const taskReports of byTask.values()) {
      const first = taskReports[0]!.report;
      const last = taskReports[taskReports.length - 1]!.report;
      expect([first.status, first.retry_count, first.end_time]).toEqual(["pending", 0, undefined]);
      expect(last.end_time).toBeGreaterThanOrEqual(last.start_time);
      expect(taskReports.map((r) => r.at)).toEqual(taskReports.map((r) => r.at).sort((a, b) => a - b));
      if (last.retry_count > 0) retried += 1;
      if (last.status === "failed") {
        failedTasks += 1;
        expect(last.error).toBeTruthy();
      } else expect(last.status).toBe("completed");
    }
    expect(retried / byTask.size).toBeGreaterThan(TASK_RETRY_RATE * 0.5);
    expect(failedTasks / byTask.size).toBeGreaterThan(TASK_FAILURE_RATE * 0.3);
    expect(failedTasks / byTask.size).toBeLessThan(TASK_FAILURE_RATE * 2.5);
    const ops = traces.flatMap((t) => t.networkOps);
    expect(ops.every((op) => byTask.has(op.task_id))).toBe(true);
    expect(ops.some((op) => op.error?.startsWith("ETIMEDOUT"))).toBe(true);
    expect(ops.some((op) => op.error?.startsWith("ECONNREFUSED"))).toBe(true);
    expect(new Set(ops.map((op) => `${op.host}:${op.port}`))).toEqual(
      new Set(["payments.example.com:443", "smtp.example.com:587", "inventory.internal:8080", "db.internal:5432"]),
    );
  });

  it("makes the same shop from the same seed, with other ids in another run", () => {
    expect(JSON.stringify(shop(99, 50))).toBe(JSON.stringify(shop(99, 50)));
    expect(JSON.stringify(shop(99, 50))).not.toBe(JSON.stringify(shop(100, 50)));
    const withoutIds = (traces: ShopTrace[]) =>
      traces.flatMap((t) => t.spans.map((s) => [s.name, s.service_name, s.start_time, s.end_time, s.status]));
    const [run, rerun] = [shop(99, 50, 1), shop(99, 50, 2)];
    expect(withoutIds(rerun)).toEqual(withoutIds(run));
    const ids = new Set(
      run.flatMap((t) => [t.traceId, ...t.spans.map((s) => s.span_id), ...t.taskReports.map((r) => r.report.task_id)]),
    );
    expect(
      rerun
        .flatMap((t) => [t.traceId, ...t.spans.map((s) => s.span_id), ...t.taskReports.map((r) => r.report.task_id)])
        .filter((id) => ids.has(id)),
    ).toEqual([]);
  });
});
