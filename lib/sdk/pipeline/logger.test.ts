import { afterEach, describe, expect, it, vi } from "vitest";
import { NetworkTelemetry, TelemetryLogger } from "./logger";
import { EventMetrics, formatMetrics, NetworkMetrics } from "./metrics";

// Times are driven by a fake clock so durations and latencies are exact.
afterEach(() => vi.useRealTimers());
const at = (iso: string) => vi.setSystemTime(new Date(iso));

describe("TelemetryLogger", () => {
  it("records a task from start to completion with its duration", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    at("2026-01-01T00:00:00Z");
    const logger = new TelemetryLogger();
    const started = logger.startEvent("resize", "task-1", 42);
    expect(started).toMatchObject({
      eventName: "resize",
      taskId: "task-1",
      status: "pending",
      processId: 42,
      retryCount: 0,
    });
    expect(started.duration()).toBeUndefined();
    at("2026-01-01T00:00:02.500Z");
    logger.endEvent("task-1");
    const ended = logger.getMetrics("task-1");
    expect(ended?.status).toBe("completed");
    expect(ended?.duration()).toBeCloseTo(2.5, 6);
  });

  it("marks a task failed with its error, counts retries across attempts, and ignores unknown tasks", () => {
    const logger = new TelemetryLogger();
    logger.startEvent("fetch", "t");
    logger.endEvent("t", "timeout");
    expect(logger.getMetrics("t")).toMatchObject({ status: "failed", error: "timeout" });
    logger.recordRetry("t");
    logger.startEvent("fetch", "t");
    expect(logger.getMetrics("t")).toMatchObject({ status: "pending", error: undefined, retryCount: 1 });
    logger.endEvent("t");
    expect(logger.getMetrics("t")).toMatchObject({ status: "completed", retryCount: 1 });
    expect(logger.endEvent("missing")).toBeUndefined();
    expect(logger.recordRetry("missing")).toBeUndefined();
    expect(logger.getMetrics("missing")).toBeUndefined();
  });

  it("keeps at most maxRecords, dropping and counting the oldest", () => {
    const logger = new TelemetryLogger({ maxRecords: 3 });
    for (const id of ["a", "b", "c", "d", "e"]) logger.startEvent("job", id);
    expect(logger.getAllMetrics().map((m) => m.taskId)).toEqual(["c", "d", "e"]);
    expect(logger.dropped).toBe(2);
    expect(logger.getMetrics("a")).toBeUndefined();
    expect(() => new TelemetryLogger({ maxRecords: 0 })).toThrow(RangeError);
  });

  it("loses no update when many async tasks interleave", async () => {
    const logger = new TelemetryLogger();
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const id = `task-${i % 20}`;
        logger.startEvent("job", id);
        await new Promise((r) => setTimeout(r, Math.random() * 5));
        logger.recordRetry(id);
        await Promise.resolve();
        logger.endEvent(id);
      }),
    );
    const all = logger.getAllMetrics();
    expect(all).toHaveLength(20);
    expect(all.reduce((n, m) => n + m.retryCount, 0)).toBe(200);
    expect(all.every((m) => m.status === "completed")).toBe(true);
  });
});

describe("NetworkTelemetry", () => {
  it("records operations and finds the failed and the slow ones", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    at("2026-01-01T00:00:00Z");
    const network = new NetworkTelemetry();
    network.startOperation("fast", "db.local", 5432, "query");
    network.startOperation("slow", "api.example.com", 443);
    network.startOperation("broken", "cache", 6379, "get");
    network.startOperation("running", "queue", 5672, "publish");
    at("2026-01-01T00:00:00.200Z");
    network.endOperation("fast", 100, 2000);
    network.endOperation("broken", 10, 0, "connection refused");
    at("2026-01-01T00:00:03Z");
    network.endOperation("slow", 512, 4096);

    expect(network.getMetrics("fast")?.latency()).toBeCloseTo(0.2, 6);
    expect(network.getMetrics("slow")).toMatchObject({ operation: "remote_call", bytesSent: 512, bytesReceived: 4096 });
    expect(network.getMetrics("running")?.latency()).toBeUndefined();
    expect([...network.getFailedOperations().keys()]).toEqual(["broken"]);
    expect(network.getFailedOperations().get("broken")?.error).toBe("connection refused");
    expect([...network.getSlowOperations().keys()]).toEqual(["slow"]);
    expect([...network.getSlowOperations(0.1).keys()].sort()).toEqual(["broken", "fast", "slow"]);
    expect(network.endOperation("missing")).toBeUndefined();
  });

  it("keeps at most maxRecords operations", () => {
    const network = new NetworkTelemetry({ maxRecords: 2 });
    for (const id of ["a", "b", "c"]) network.startOperation(id, "h", 1);
    expect(network.getAllMetrics().map((m) => m.taskId)).toEqual(["b", "c"]);
    expect(network.dropped).toBe(1);
  });
});

describe("formatMetrics", () => {
  it("spells an event as the wire contract does, leaving unset fields out", () => {
    const running = new EventMetrics("resize", "t1", 1_700_000_000.5, 7, { tenant: "acme" });
    expect(formatMetrics(running)).toEqual({
      event_name: "resize",
      task_id: "t1",
      start_time: 1_700_000_000.5,
      status: "pending",
      retry_count: 0,
      process_id: 7,
      attributes: { tenant: "acme" },
    });
    const failed = new EventMetrics("resize", "t2", 1_700_000_000);
    failed.endTime = 1_700_000_003;
    failed.status = "failed";
    failed.error = "out of memory";
    failed.retryCount = 2;
    expect(formatMetrics(failed)).toEqual({
      event_name: "resize",
      task_id: "t2",
      start_time: 1_700_000_000,
      end_time: 1_700_000_003,
      duration_seconds: 3,
      status: "failed",
      error: "out of memory",
      retry_count: 2,
      attributes: {},
    });
  });

  it("spells a network operation as the wire contract does", () => {
    const op = new NetworkMetrics("t1", "api.example.com", 443, "upload", 1_700_000_000);
    expect(formatMetrics(op)).toEqual({
      task_id: "t1",
      host: "api.example.com",
      port: 443,
      operation: "upload",
      start_time: 1_700_000_000,
      bytes_sent: 0,
      bytes_received: 0,
    });
    op.endTime = 1_700_000_000.25;
    op.bytesSent = 10;
    op.error = "reset";
    expect(formatMetrics(op)).toMatchObject({
      end_time: 1_700_000_000.25,
      latency_seconds: 0.25,
      bytes_sent: 10,
      error: "reset",
    });
  });
});
