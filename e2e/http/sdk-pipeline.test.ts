import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EventMetrics,
  GrafanaCloudPublisher,
  monitorEvents,
  NetworkMetrics,
  NetworkTelemetry,
  TelemetryLogger,
  TracedeckPublisher,
} from "@/lib/sdk/pipeline";
import { createKey, startServer, type RunningServer } from "./server";

// The pipeline SDK against the real server: what TracedeckPublisher sends is what the query API
// answers, and the publisher's health shows on the Publishers page.

let server: RunningServer;
let key: string;

beforeAll(async () => {
  server = await startServer({});
  key = await createKey(server.env, "ingest,read");
});
afterAll(async () => {
  await server?.stop();
});

const get = async (path: string) => {
  const response = await fetch(server.url + path, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status, path).toBe(200);
  return response.json();
};

/** A finished task execution that started `secondsAgo` and ran for `seconds`. */
function execution(
  eventName: string,
  taskId: string,
  secondsAgo: number,
  seconds: number,
  retries = 0,
  error?: string,
): EventMetrics {
  const m = new EventMetrics(eventName, taskId, Date.now() / 1000 - secondsAgo, 4242);
  m.endTime = m.startTime + seconds;
  m.status = error ? "failed" : "completed";
  m.error = error;
  m.retryCount = retries;
  return m;
}

describe("pipeline SDK → Tracedeck", () => {
  it("sends events and network operations that the query API reads back, and reports the publisher's status", async () => {
    const tracedeck = new TracedeckPublisher({ url: server.url, key, name: "ingest-workers", flushIntervalMs: 60_000 });

    // a task reported while running, then when it ended: the server keeps one row per task
    const logger = new TelemetryLogger();
    tracedeck.publishEventMetrics(logger.startEvent("thumbnail", "sdk-task/running-then-done"));
    tracedeck.publishEventMetrics(logger.endEvent("sdk-task/running-then-done")!);
    tracedeck.publishEventMetrics(execution("thumbnail", "sdk-task/slow", 10, 3.5));
    tracedeck.publishEventMetrics(execution("upload", "sdk-task/failed", 8, 0.2, 2, "S3 answered 503"));
    tracedeck.publishEventMetrics(execution("upload", "sdk-task/retried-ok", 6, 0.1, 1));

    // monitored functions publish their own executions
    const monitored = monitorEvents({ logger, publishers: [tracedeck] });
    const checksum = monitored(async (text: string) => text.length, "checksum");
    await expect(checksum("hello")).resolves.toBe(5);
    const broken = monitored(() => {
      throw new Error("corrupt archive");
    }, "unpack");
    expect(() => broken()).toThrow("corrupt archive");

    const network = new NetworkTelemetry();
    network.startOperation("sdk-task/failed", "s3.example.com", 443, "put_object");
    tracedeck.publishNetworkMetrics(network.endOperation("sdk-task/failed", 1024, 0, "connection reset")!);
    const slow = new NetworkMetrics("sdk-task/slow", "cdn.example.com", 443, "fetch", Date.now() / 1000 - 9);
    slow.endTime = slow.startTime + 2.5;
    slow.bytesReceived = 1_000_000;
    tracedeck.publishNetworkMetrics(slow);

    // 9 event reports (start and end of the running task and of both monitored calls) and 2 operations
    await tracedeck.close();
    expect(tracedeck.status()).toMatchObject({ state: "healthy", sent_count: 11, failed_count: 0, backlog: 0 });

    const task = await get(`/api/v1/pipeline/events/${encodeURIComponent("sdk-task/running-then-done")}`);
    expect(task).toMatchObject({ event_name: "thumbnail", status: "completed", process_id: process.pid, error: null });

    const failed = await get("/api/v1/pipeline/events?status=failed");
    expect(failed.events.map((e: { task_id: string }) => e.task_id).sort()).toEqual([
      "sdk-task/failed",
      expect.stringMatching(/^unpack-/),
    ]);
    expect(failed.events.find((e: { task_id: string }) => e.task_id === "sdk-task/failed")).toMatchObject({
      error: "S3 answered 503",
      retry_count: 2,
      duration_ms: 200,
    });
    expect(failed.events.find((e: { event_name: string }) => e.event_name === "unpack")).toMatchObject({
      error: "corrupt archive",
    });

    const slowEvents = await get("/api/v1/pipeline/events/slow?threshold_seconds=1");
    expect(slowEvents.events).toEqual([expect.objectContaining({ task_id: "sdk-task/slow", duration_ms: 3500 })]);

    const stats = await get("/api/v1/pipeline/retry-stats");
    expect(stats).toMatchObject({ total_events: 6, events_retried: 2, total_retries: 3, max_retries: 2 });
    expect(stats.by_event_name.find((s: { event_name: string }) => s.event_name === "upload")).toMatchObject({
      runs: 2,
      failures: 1,
      retries: 3,
    });

    const failedOps = await get("/api/v1/pipeline/network?failed=true");
    expect(failedOps.operations).toEqual([
      expect.objectContaining({
        task_id: "sdk-task/failed",
        host: "s3.example.com",
        port: 443,
        operation: "put_object",
        bytes_sent: 1024,
        error: "connection reset",
      }),
    ]);
    const slowOps = await get("/api/v1/pipeline/network/slow?threshold_seconds=1");
    expect(slowOps.operations).toEqual([
      expect.objectContaining({
        task_id: "sdk-task/slow",
        host: "cdn.example.com",
        latency_ms: 2500,
        bytes_received: 1_000_000,
      }),
    ]);

    const { publishers } = await get("/api/v1/publishers");
    expect(publishers).toContainEqual(
      expect.objectContaining({
        name: "ingest-workers",
        origin: "sdk",
        type: "other",
        target: server.url,
        state: "healthy",
        sent_count: 11,
        failed_count: 0,
        backlog: 0,
        last_success_at: expect.any(String),
      }),
    );
  });

  it("reports a publisher whose records the server rejected as degraded, with the reason", async () => {
    const tracedeck = new TracedeckPublisher({
      url: server.url,
      key,
      name: "rejecting-workers",
      flushIntervalMs: 60_000,
    });
    const impossible = execution("upload", "sdk-task/impossible", 5, 1);
    impossible.endTime = impossible.startTime - 1;
    tracedeck.publishEventMetrics(impossible);
    tracedeck.publishEventMetrics(execution("upload", "sdk-task/fine", 5, 1));
    await tracedeck.close();

    const { publishers } = await get("/api/v1/publishers");
    const reported = publishers.find((p: { name: string }) => p.name === "rejecting-workers");
    expect(reported).toMatchObject({ state: "degraded", sent_count: 1, failed_count: 1 });
    expect(reported.last_error).toMatch(/end_time/);
  });

  it("counts everything as failed when the key is refused, without throwing", async () => {
    const tracedeck = new TracedeckPublisher({ url: server.url, key: "tfk_nope:tfs_nope", flushIntervalMs: 60_000 });
    tracedeck.publishEventMetrics(execution("upload", "sdk-task/unauthorized", 5, 1));
    await tracedeck.close();
    expect(tracedeck.status()).toMatchObject({
      state: "failing",
      sent_count: 0,
      failed_count: 1,
      last_error: expect.stringMatching(/401/),
    });
  });

  it("pushes OTLP/HTTP JSON that Tracedeck's own OTLP receiver accepts (Grafana Cloud publisher, protocol otlp)", async () => {
    // Grafana Cloud authenticates with basic auth, Tracedeck with its key: a relay on loopback swaps them
    const relay = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (c: Buffer) => chunks.push(c));
      request.on("end", () => {
        fetch(`${server.url}/v1/metrics`, {
          method: "POST",
          headers: { "content-type": request.headers["content-type"] ?? "", authorization: `Bearer ${key}` },
          body: Buffer.concat(chunks),
        })
          .then(async (forwarded) =>
            response
              .writeHead(forwarded.status, { "content-type": forwarded.headers.get("content-type") ?? "" })
              .end(await forwarded.text()),
          )
          // a relay that cannot reach Tracedeck says so, as a gateway does
          .catch((error: unknown) => response.writeHead(502).end(String(error)));
      });
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    try {
      const port = (relay.address() as { port: number }).port;
      const grafana = new GrafanaCloudPublisher({
        endpoint: `http://127.0.0.1:${port}/otlp/v1/metrics`,
        protocol: "otlp",
        instanceId: "1",
        apiKey: "k",
        pushIntervalMs: 60_000,
      });
      grafana.publishEventMetrics(execution("otlp_job", "sdk-task/otlp-1", 5, 1, 4));
      const op = new NetworkMetrics("sdk-task/otlp-1", "otlp-host", 443, "fetch", Date.now() / 1000 - 5);
      op.endTime = op.startTime + 0.1;
      op.bytesSent = 300;
      grafana.publishNetworkMetrics(op);
      await grafana.close();
      expect(grafana.status()).toMatchObject({ state: "healthy", sent_count: 2 });

      const { series } = await get("/api/v1/metrics/query?name=event_retries_total&agg=max&group_by=event_name");
      expect(series).toContainEqual(expect.objectContaining({ tags: { event_name: "otlp_job" } }));
      const points = series.find((s: { tags: Record<string, string> }) => s.tags.event_name === "otlp_job").points as [
        string,
        number | null,
      ][];
      expect(points.some(([, value]) => value === 4)).toBe(true);
      const bytes = await get("/api/v1/metrics/query?name=network_bytes_total&agg=max&group_by=direction");
      expect(bytes.series.map((s: { tags: Record<string, string> }) => s.tags.direction).sort()).toEqual([
        "received",
        "sent",
      ]);
    } finally {
      await new Promise((resolve) => relay.close(resolve));
    }
  });
});
