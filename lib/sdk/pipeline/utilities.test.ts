import { afterEach, describe, expect, it, vi } from "vitest";
import { NetworkTelemetry, TelemetryLogger } from "./logger";
import type { EventMetrics } from "./metrics";
import type { MetricsPublisher } from "./publisher";
import {
  defaultLogger,
  defaultNetworkTelemetry,
  getFailedEvents,
  getFailedNetworkOps,
  getMetrics,
  getRetryStats,
  getSlowEvents,
  getSlowNetworkOps,
  monitorEvents,
} from "./utilities";

afterEach(() => {
  vi.useRealTimers();
  defaultLogger.clear();
  defaultNetworkTelemetry.clear();
});

/** A publisher that remembers what it was given, as it was at that moment. */
function recordingPublisher(name = "recording") {
  const published: { status: string; taskId: string; retryCount: number }[] = [];
  const publisher = {
    name,
    publishEventMetrics: (m: EventMetrics) =>
      published.push({ status: m.status, taskId: m.taskId, retryCount: m.retryCount }),
    publishNetworkMetrics: () => undefined,
  } as unknown as MetricsPublisher;
  return { publisher, published };
}

describe("monitorEvents", () => {
  it("records each call of a function as an event and passes its result through", () => {
    const logger = new TelemetryLogger();
    const { publisher, published } = recordingPublisher();
    const add = monitorEvents({ logger, publishers: [publisher] })((a: number, b: number) => a + b, "add");
    expect(add(2, 3)).toBe(5);
    const [event] = logger.getAllMetrics();
    expect(event).toMatchObject({ eventName: "add", status: "completed", processId: process.pid });
    expect(event?.duration()).toBeGreaterThanOrEqual(0);
    expect(published.map((p) => p.status)).toEqual(["pending", "completed"]);
  });

  it("records a thrown error as a failed event and rethrows it unchanged", () => {
    const logger = new TelemetryLogger();
    const boom = new Error("disk full");
    const save = monitorEvents({ logger })(() => {
      throw boom;
    }, "save");
    expect(() => save()).toThrow(boom);
    expect(logger.getAllMetrics()[0]).toMatchObject({ eventName: "save", status: "failed", error: "disk full" });
  });

  it("times async functions until their promise settles, and names events after the function by default", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout"] });
    vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
    const logger = new TelemetryLogger();
    const monitored = monitorEvents({ logger });
    const fetchPage = monitored(async function download(url: string) {
      await new Promise((r) => setTimeout(r, 1500));
      if (url === "bad") throw new Error("404");
      return url.length;
    });
    const ok = fetchPage("https://example.com");
    expect(logger.getAllMetrics()[0]?.status).toBe("pending");
    await vi.advanceTimersByTimeAsync(1500);
    await expect(ok).resolves.toBe(19);
    const failed = expect(fetchPage("bad")).rejects.toThrow("404");
    await vi.advanceTimersByTimeAsync(1500);
    await failed;
    const [first, second] = logger.getAllMetrics();
    expect(first).toMatchObject({ eventName: "download", status: "completed" });
    expect(first?.duration()).toBeCloseTo(1.5, 6);
    expect(second).toMatchObject({ eventName: "download", status: "failed", error: "404" });
  });

  it("counts calls that share a task id after a failure as retries of that task", async () => {
    const logger = new TelemetryLogger();
    let attempts = 0;
    const sync = monitorEvents({ logger, taskId: (order: string) => `sync-${order}` })(async (order: string) => {
      if (++attempts < 3) throw new Error(`attempt ${attempts} for ${order} failed`);
    }, "sync_order");
    await expect(sync("o-1")).rejects.toThrow();
    await expect(sync("o-1")).rejects.toThrow();
    await sync("o-1");
    expect(logger.getAllMetrics()).toHaveLength(1);
    expect(logger.getMetrics("sync-o-1")).toMatchObject({ status: "completed", retryCount: 2, error: undefined });
  });

  it("keeps publishing to the others when one publisher throws, and never lets it reach the caller", () => {
    const logger = new TelemetryLogger();
    const broken = {
      name: "broken",
      publishEventMetrics: () => {
        throw new Error("down");
      },
    } as unknown as MetricsPublisher;
    const { publisher, published } = recordingPublisher();
    const job = monitorEvents({ logger, publishers: [broken, publisher] })(() => "done", "job");
    expect(job()).toBe("done");
    expect(published).toHaveLength(2);
  });

  it("uses the shared default logger when none is given", () => {
    monitorEvents()(() => undefined, "default_job")();
    expect(defaultLogger.getAllMetrics().map((m) => m.eventName)).toEqual(["default_job"]);
    expect(getFailedEvents()).toEqual([]);
  });
});

describe("queries over a logger", () => {
  function pipeline() {
    vi.useFakeTimers({ toFake: ["Date"] });
    const logger = new TelemetryLogger();
    const network = new NetworkTelemetry();
    const run = (name: string, id: string, seconds: number, retries: number, error?: string) => {
      vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
      logger.startEvent(name, id);
      for (let i = 0; i < retries; i++) logger.recordRetry(id);
      vi.setSystemTime(new Date(Date.UTC(2026, 0, 1) + seconds * 1000));
      logger.endEvent(id, error);
    };
    run("ingest", "i1", 0.5, 0);
    run("ingest", "i2", 2, 1, "timeout");
    run("ingest", "i3", 1.5, 3);
    run("export", "e1", 4, 0);
    logger.startEvent("export", "e2");
    vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
    network.startOperation("i1", "db", 5432, "query");
    network.startOperation("i2", "api", 443);
    vi.setSystemTime(new Date("2026-01-01T00:00:02Z"));
    network.endOperation("i1", 10, 20);
    network.endOperation("i2", 5, 0, "reset by peer");
    return { logger, network };
  }

  it("finds failed and slow events, slowest first", () => {
    const { logger } = pipeline();
    expect(getFailedEvents(logger).map((e) => e.task_id)).toEqual(["i2"]);
    expect(getFailedEvents(logger)[0]).toMatchObject({
      status: "failed",
      error: "timeout",
      retry_count: 1,
      duration_seconds: 2,
    });
    expect(getSlowEvents(1, logger).map((e) => e.task_id)).toEqual(["e1", "i2", "i3"]);
    expect(getSlowEvents(3, logger).map((e) => e.task_id)).toEqual(["e1"]);
  });

  it("computes retry statistics as the server's retry-stats endpoint spells them", () => {
    const { logger } = pipeline();
    expect(getRetryStats(logger)).toEqual({
      total_events: 5,
      events_retried: 2,
      total_retries: 4,
      retry_rate: 0.4,
      max_retries: 3,
      by_event_name: [
        { event_name: "export", runs: 2, failures: 0, retries: 0, p50_ms: 4000, p95_ms: 4000 },
        { event_name: "ingest", runs: 3, failures: 1, retries: 4, p50_ms: 1500, p95_ms: 1950 },
      ],
    });
    expect(getRetryStats(new TelemetryLogger())).toMatchObject({ total_events: 0, retry_rate: 0, by_event_name: [] });
  });

  it("finds failed and slow network operations by task id", () => {
    const { network } = pipeline();
    expect(getFailedNetworkOps(network)).toEqual({
      i2: {
        task_id: "i2",
        host: "api",
        port: 443,
        operation: "remote_call",
        start_time: 1767225600,
        end_time: 1767225602,
        latency_seconds: 2,
        bytes_sent: 5,
        bytes_received: 0,
        error: "reset by peer",
      },
    });
    expect(Object.keys(getSlowNetworkOps(1, network)).sort()).toEqual(["i1", "i2"]);
    expect(getSlowNetworkOps(5, network)).toEqual({});
  });

  it("serialises everything collected as JSON", () => {
    const { logger, network } = pipeline();
    const collected = JSON.parse(getMetrics(logger, network));
    expect(collected.events.map((e: { task_id: string }) => e.task_id)).toEqual(["i1", "i2", "i3", "e1", "e2"]);
    expect(collected.operations).toHaveLength(2);
    expect(collected).toMatchObject({ dropped_events: 0, dropped_operations: 0 });
    expect(JSON.parse(getMetrics())).toEqual({ events: [], operations: [], dropped_events: 0, dropped_operations: 0 });
  });
});
