import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import protobuf from "protobufjs";
import { uncompress } from "snappyjs";
import { afterEach, describe, expect, it } from "vitest";
import { GrafanaCloudPublisher } from "./grafana";
import { EventMetrics, NetworkMetrics } from "./metrics";

// A remote-write receiver on loopback decodes what the publisher pushed, with the message
// definitions of prometheus/prompb parsed here independently of the publisher's encoder.
const prompb = protobuf
  .parse(
    `
  syntax = "proto3";
  package prometheus;
  message WriteRequest { repeated TimeSeries timeseries = 1; }
  message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
  message Label { string name = 1; string value = 2; }
  message Sample { double value = 1; int64 timestamp = 2; }
`,
  )
  .root.lookupType("prometheus.WriteRequest");

interface Pushed {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  series: { labels: Record<string, string>; value: number; timestamp: number }[];
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function receiver(status = 200): Promise<{ url: string; pushes: Pushed[] }> {
  const pushes: Pushed[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const raw = Buffer.concat(chunks);
      if (request.headers["content-type"] === "application/json") {
        pushes.push({ headers: request.headers, raw, series: [] });
        response.writeHead(status).end();
        return;
      }
      const decoded = prompb.toObject(prompb.decode(uncompress(new Uint8Array(Buffer.concat(chunks)))), {
        longs: Number,
        defaults: true,
      }) as {
        timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[];
      };
      pushes.push({
        headers: request.headers,
        raw,
        series: decoded.timeseries.map((ts) => {
          expect(ts.labels.map((l) => l.name)).toEqual([...ts.labels.map((l) => l.name)].sort());
          expect(ts.samples).toHaveLength(1);
          return {
            labels: Object.fromEntries(ts.labels.map((l) => [l.name, l.value])),
            value: ts.samples[0]!.value,
            timestamp: ts.samples[0]!.timestamp,
          };
        }),
      });
      response.writeHead(status).end(status === 200 ? "" : "too many samples");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/api/prom/push`, pushes };
}

function finishedEvent(name: string, seconds: number, status: "completed" | "failed", retries: number): EventMetrics {
  const m = new EventMetrics(name, `${name}-${Math.random()}`, 1_700_000_000);
  m.endTime = 1_700_000_000 + seconds;
  m.status = status;
  m.retryCount = retries;
  return m;
}

const find = (push: Pushed, labels: Record<string, string>) =>
  push.series.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe("GrafanaCloudPublisher", () => {
  it("pushes the pipeline series as a snappy-compressed protobuf WriteRequest with basic auth", async () => {
    const { url, pushes } = await receiver();
    const grafana = new GrafanaCloudPublisher({
      endpoint: url,
      instanceId: "123456",
      apiKey: "glc_secret",
      pushIntervalMs: 60_000,
      externalLabels: { job: "pipeline" },
    });
    cleanup.push(() => grafana.close());
    grafana.publishEventMetrics(finishedEvent("resize", 0.3, "completed", 0));
    grafana.publishEventMetrics(finishedEvent("resize", 7, "failed", 2));
    grafana.publishEventMetrics(new EventMetrics("resize", "still-running", 1_700_000_000));
    const op = new NetworkMetrics("t", "db.local", 5432, "query", 1_700_000_000);
    op.endTime = 1_700_000_000.02;
    op.bytesSent = 100;
    op.bytesReceived = 2048;
    grafana.publishNetworkMetrics(op);
    const before = Date.now();
    await grafana.push();

    expect(pushes).toHaveLength(1);
    const push = pushes[0]!;
    expect(push.headers.authorization).toBe(`Basic ${Buffer.from("123456:glc_secret").toString("base64")}`);
    expect(push.headers).toMatchObject({
      "content-type": "application/x-protobuf",
      "content-encoding": "snappy",
      "x-prometheus-remote-write-version": "0.1.0",
    });
    expect(
      push.series.every((s) => s.labels.job === "pipeline" && s.timestamp >= before && s.timestamp <= Date.now()),
    ).toBe(true);

    const completed = { event_name: "resize", status: "completed" };
    expect(find(push, { __name__: "event_duration_seconds_count", ...completed })[0]?.value).toBe(1);
    expect(find(push, { __name__: "event_duration_seconds_sum", ...completed })[0]?.value).toBeCloseTo(0.3, 6);
    expect(find(push, { __name__: "event_duration_seconds_bucket", ...completed, le: "0.25" })[0]?.value).toBe(0);
    expect(find(push, { __name__: "event_duration_seconds_bucket", ...completed, le: "0.5" })[0]?.value).toBe(1);
    expect(find(push, { __name__: "event_duration_seconds_bucket", ...completed, le: "+Inf" })[0]?.value).toBe(1);
    expect(
      find(push, { __name__: "event_duration_seconds_bucket", event_name: "resize", status: "failed", le: "5" })[0]
        ?.value,
    ).toBe(0);
    expect(find(push, { __name__: "event_retries_total" })).toEqual([
      {
        labels: { __name__: "event_retries_total", event_name: "resize", job: "pipeline" },
        value: 2,
        timestamp: expect.any(Number),
      },
    ]);
    expect(
      find(push, { __name__: "network_bytes_total" })
        .map((s) => [s.labels.host, s.labels.operation, s.labels.direction, s.value])
        .sort(),
    ).toEqual([
      ["db.local", "query", "received", 2048],
      ["db.local", "query", "sent", 100],
    ]);
    expect(
      find(push, { __name__: "network_latency_seconds_bucket", host: "db.local", operation: "query", le: "0.025" })[0]
        ?.value,
    ).toBe(1);
    expect(
      find(push, { __name__: "network_latency_seconds_bucket", host: "db.local", operation: "query", le: "0.01" })[0]
        ?.value,
    ).toBe(0);
    expect(grafana.status()).toMatchObject({
      type: "grafana_cloud",
      state: "healthy",
      sent_count: 3,
      backlog: 0,
      target: new URL(url).origin,
    });
  });

  it("keeps cumulative totals through a rejected push and reports failing until one succeeds", async () => {
    const refusing = await receiver(429);
    const grafana = new GrafanaCloudPublisher({
      endpoint: refusing.url,
      instanceId: "1",
      apiKey: "k",
      pushIntervalMs: 60_000,
    });
    cleanup.push(() => grafana.close());
    grafana.publishEventMetrics(finishedEvent("load", 1, "completed", 1));
    await grafana.push();
    expect(grafana.status()).toMatchObject({
      state: "failing",
      sent_count: 0,
      backlog: 1,
      last_error: "remote write answered 429: too many samples",
    });
  });

  it("drops observations for new label sets past maxSeries and counts them", async () => {
    const { url } = await receiver();
    const grafana = new GrafanaCloudPublisher({
      endpoint: url,
      instanceId: "1",
      apiKey: "k",
      pushIntervalMs: 60_000,
      maxSeries: 2,
    });
    cleanup.push(() => grafana.close());
    grafana.publishEventMetrics(finishedEvent("a", 1, "completed", 0));
    grafana.publishEventMetrics(finishedEvent("b", 1, "completed", 0));
    expect(grafana.status()).toMatchObject({ state: "degraded", failed_count: 0, dropped_count: 1, backlog: 1 });
  });

  it("pushes the same series as OTLP/HTTP JSON when asked to", async () => {
    const { url, pushes } = await receiver();
    const grafana = new GrafanaCloudPublisher({
      endpoint: url,
      protocol: "otlp",
      instanceId: "99",
      apiKey: "glc_otlp",
      pushIntervalMs: 60_000,
      externalLabels: { job: "pipeline" },
    });
    cleanup.push(() => grafana.close());
    grafana.publishEventMetrics(finishedEvent("resize", 0.3, "completed", 1));
    grafana.publishEventMetrics(finishedEvent("resize", 0.4, "completed", 0));
    grafana.publishEventMetrics(finishedEvent("resize", 20, "completed", 0));
    await grafana.push();

    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.headers.authorization).toBe(`Basic ${Buffer.from("99:glc_otlp").toString("base64")}`);
    const request = JSON.parse(pushes[0]!.raw.toString());
    const metrics = request.resourceMetrics[0].scopeMetrics[0].metrics as {
      name: string;
      unit: string;
      sum?: { dataPoints: unknown[]; isMonotonic: boolean; aggregationTemporality: number };
      histogram?: { dataPoints: Record<string, unknown>[] };
    }[];
    expect(metrics.map((m) => m.name).sort()).toEqual(["event_duration_seconds", "event_retries_total"]);
    const retries = metrics.find((m) => m.name === "event_retries_total")!;
    expect(retries.sum).toMatchObject({
      isMonotonic: true,
      aggregationTemporality: 2,
      dataPoints: [expect.objectContaining({ asDouble: 1 })],
    });
    const duration = metrics.find((m) => m.name === "event_duration_seconds")!;
    expect(duration.unit).toBe("s");
    const [point] = duration.histogram!.dataPoints;
    expect(point).toMatchObject({
      attributes: [
        { key: "job", value: { stringValue: "pipeline" } },
        { key: "event_name", value: { stringValue: "resize" } },
        { key: "status", value: { stringValue: "completed" } },
      ],
      count: "3",
      explicitBounds: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      bucketCounts: ["0", "0", "0", "0", "2", "0", "0", "0", "0", "1", "0", "0", "0"],
    });
    expect(point!.sum).toBeCloseTo(20.7, 6);
    expect(BigInt(point!.timeUnixNano as string)).toBeGreaterThanOrEqual(BigInt(point!.startTimeUnixNano as string));
  });
});
