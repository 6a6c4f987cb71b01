import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TraceContext } from "@/lib/sdk/context";
import {
  instrumentFetch,
  Protocol,
  SeverityLevel,
  SpanKind,
  TelemetryBuilder,
  TelemetryFlowError,
  tracedHandler,
  type TelemetryClient,
} from "@/lib/sdk/telemetry";
import { createKey, freePort, startServer, type RunningServer } from "./server";

// The SDK's telemetry client against a real Tracedeck server: what it sends over each protocol is
// read back through the query API.

let server: RunningServer;
let key: [string, string];
let readKey: string;
let grpcPort: number;

beforeAll(async () => {
  grpcPort = await freePort();
  server = await startServer({ env: { TRACEDECK_OTLP_GRPC_PORT: String(grpcPort) } });
  const pair = await createKey(server.env, "ingest,read");
  key = pair.split(":") as [string, string];
  readKey = pair;
});
afterAll(async () => {
  await server?.stop();
});

const read = async <T>(path: string): Promise<T> => {
  const response = await fetch(server.url + path, { headers: { authorization: `Bearer ${readKey}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
};

const clientFor = (service: string, protocol: Protocol): TelemetryClient => {
  const builder = new TelemetryBuilder()
    .withApiKey(...key)
    .withEndpoint(server.url)
    .withService(service, "1.2.3")
    .withEnvironment("test")
    .withCustomAttribute("team", "sdk");
  // the server's gRPC receiver is on a port of its own here, not 4317
  return (
    protocol === Protocol.GRPC ? builder.withGrpc(`127.0.0.1:${grpcPort}`) : builder.withProtocol(protocol)
  ).build();
};

describe.each([Protocol.HTTP, Protocol.OTLP, Protocol.GRPC])("the telemetry client over %s", (protocol) => {
  it("sends spans, logs, counters, gauges and histograms that the query API returns", async () => {
    const service = `svc-${protocol}-${Date.now().toString(36)}`;
    const client = clientFor(service, protocol);
    void client.initialize();
    let traceId = "";
    await client.span(
      "POST /orders",
      async (rootId) => {
        traceId = client.spanContext(rootId)!.traceId;
        client.addSpanEvent(rootId, "validated", { items: 3 });
        client.logInfo("order accepted", { order: "o-1" });
        await client.span("SELECT orders", async () => {
          client.recordHistogram(`db.query.duration.${protocol}`, 0.012, "s", { table: "orders" });
        });
        await client.span("charge card", () => Promise.reject(new Error("card declined"))).catch(() => undefined);
      },
      { kind: SpanKind.SERVER, attributes: { "http.request.method": "POST" } },
    );
    // metric names of their own: both protocols' runs share the project
    client.incrementCounter(`orders.created.${protocol}`, 2, { channel: "web" });
    client.incrementCounter(`orders.created.${protocol}`, 1, { channel: "web" });
    client.recordGauge(`queue.depth.${protocol}`, 7);
    client.recordMetric(`cart.value.${protocol}`, 59.5, "EUR", { currency: "EUR" });
    client.logError("payment provider slow");
    client.logDebug("cache warm");
    client.logFatal("out of memory soon");
    client.log("custom level", SeverityLevel.WARN, { source: "test" });
    await client.shutdown(10);
    expect(client.getStatus()).toMatchObject({ failed: 0, spansSent: 3, logsSent: 5 });

    const trace = await read<{
      spans: {
        name: string;
        parent_span_id: string | null;
        status: { code: string; message: string | null };
        events: { name: string }[];
        resource_attributes: Record<string, unknown>;
      }[];
    }>(`/api/v1/traces/${traceId}`);
    expect(trace.spans.map((s) => s.name).sort()).toEqual(["POST /orders", "SELECT orders", "charge card"]);
    const root = trace.spans.find((s) => s.name === "POST /orders")!;
    expect(root.parent_span_id).toBeNull();
    expect(root.events.map((e) => e.name)).toEqual(["validated"]);
    expect(root.resource_attributes).toMatchObject({
      "service.name": service,
      "service.version": "1.2.3",
      "deployment.environment": "test",
      team: "sdk",
    });
    const failed = trace.spans.find((s) => s.name === "charge card")!;
    expect(failed.status).toEqual({ code: "error", message: "card declined" });
    expect(failed.events.map((e) => e.name)).toEqual(["exception"]);

    const logs = await read<{ logs: { body: unknown; trace_id: string | null }[] }>(`/api/v1/logs?service=${service}`);
    expect(logs.logs.map((l) => l.body).sort()).toEqual([
      "cache warm",
      "custom level",
      "order accepted",
      "out of memory soon",
      "payment provider slow",
    ]);
    const severities = await read<{ logs: { body: unknown; severity_text: string | null }[] }>(
      `/api/v1/logs?service=${service}&severity=warn`,
    );
    expect(severities.logs.map((l) => l.body).sort()).toEqual([
      "custom level",
      "out of memory soon",
      "payment provider slow",
    ]);
    expect(logs.logs.find((l) => l.body === "order accepted")!.trace_id).toBe(traceId);

    const counter = await read<{ series: { points: [string, number][] }[] }>(
      `/api/v1/metrics/query?name=orders.created.${protocol}&agg=sum&from=now-5m&step=5m&tag=channel:web`,
    );
    expect(counter.series.flatMap((s) => s.points.map((p) => p[1])).reduce((a, b) => a + b, 0)).toBe(3);
    const gauge = await read<{ series: { points: [string, number][] }[] }>(
      `/api/v1/metrics/query?name=queue.depth.${protocol}&agg=max&from=now-5m&step=5m`,
    );
    expect(gauge.series[0]!.points.some((p) => p[1] === 7)).toBe(true);
    const metric = await read<{
      unit: string | null;
      series: { tags: Record<string, string>; points: [string, number][] }[];
    }>(`/api/v1/metrics/query?name=cart.value.${protocol}&agg=max&from=now-5m&step=5m`);
    expect(metric.unit).toBe("EUR");
    expect(metric.series[0]!.points.some((p) => p[1] === 59.5)).toBe(true);
    const histogram = await read<{ type: string; series: { points: [string, number][] }[] }>(
      `/api/v1/metrics/query?name=db.query.duration.${protocol}&agg=count&from=now-5m&step=5m`,
    );
    expect(histogram.type).toBe("histogram");
    expect(histogram.series.flatMap((s) => s.points.map((p) => p[1])).reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe("tracing across services", () => {
  it("carries the trace from an instrumented fetch into a traced Node http server", async () => {
    const client = clientFor(`edge-${Date.now().toString(36)}`, Protocol.HTTP);
    void client.initialize();
    let seenTraceparent: string | undefined;
    let serverSideTrace: string | undefined;
    const backend = http.createServer(
      tracedHandler(client, (req, res) => {
        seenTraceparent = req.headers.traceparent as string | undefined;
        serverSideTrace = TraceContext.get()?.traceId;
        res.statusCode = 201;
        res.end("made");
      }),
    );
    await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
    const { port } = backend.address() as AddressInfo;
    const tracedFetch = instrumentFetch(client);
    let rootTrace = "";
    await client.span("checkout", async (rootId) => {
      rootTrace = client.spanContext(rootId)!.traceId;
      const response = await tracedFetch(`http://127.0.0.1:${port}/orders?x=1`, { method: "POST" });
      expect(response.status).toBe(201);
    });
    backend.close();
    await client.shutdown(10);

    expect(seenTraceparent).toMatch(new RegExp(`^00-${rootTrace}-[0-9a-f]{16}-03$`));
    expect(serverSideTrace).toBe(rootTrace);
    const trace = await read<{
      spans: {
        name: string;
        span_id: string;
        parent_span_id: string | null;
        kind: string;
        attributes: Record<string, unknown>;
      }[];
    }>(`/api/v1/traces/${rootTrace}`);
    const byName = Object.fromEntries(trace.spans.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(["POST /orders", `POST 127.0.0.1:${port}`, "checkout"].sort());
    expect(byName[`POST 127.0.0.1:${port}`]!.parent_span_id).toBe(byName.checkout!.span_id);
    expect(byName["POST /orders"]!.parent_span_id).toBe(byName[`POST 127.0.0.1:${port}`]!.span_id);
    expect(byName["POST /orders"]).toMatchObject({ kind: "server", attributes: { "http.response.status_code": 201 } });
  });

  it("over gRPC, names a receiver that is not there in lastError", async () => {
    const closed = await freePort();
    const client = new TelemetryBuilder()
      .withApiKey(...key)
      .withService("grpc-away")
      .withGrpc(`127.0.0.1:${closed}`)
      .withRetry(false)
      .build();
    void client.initialize();
    client.endSpan(client.startSpan("nowhere"));
    await client.flush();
    await client.shutdown(1);
    expect(client.getStatus()).toMatchObject({ spansSent: 0, failed: 1 });
    expect(client.getStatus().lastError).toContain(`connect ECONNREFUSED 127.0.0.1:${closed}`);
  });

  it("initialize() checks the endpoint and the key once, and says what is wrong", async () => {
    const build = (apiKey: readonly [string, string], endpoint = server.url) =>
      new TelemetryBuilder()
        .withApiKey(...apiKey)
        .withEndpoint(endpoint)
        .withService("init-check")
        .withHttp()
        .build();
    const good = build(key);
    await expect(good.initialize()).resolves.toBeUndefined();
    expect(good.getStatus().lastError).toBeNull();
    await good.shutdown(1);

    const wrong = build([key[0], "tfs_not-the-secret"]);
    const refused = await wrong.initialize().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TelemetryFlowError);
    expect((refused as Error).message).toBe(`Tracedeck at ${server.url} refused the API key (401): check withApiKey`);
    // recorded, and the client records all the same
    expect(wrong.getStatus()).toMatchObject({ initialized: true, lastError: (refused as Error).message });
    await wrong.shutdown(1);

    const readOnly = (await createKey(server.env, "read")).split(":") as [string, string];
    await expect(build(readOnly).initialize()).rejects.toThrow(/refused the API key \(403: it may not ingest\)/);

    const closed = await freePort();
    await expect(build(key, `http://127.0.0.1:${closed}`).initialize()).rejects.toThrow(
      `cannot reach Tracedeck at http://127.0.0.1:${closed}: connect ECONNREFUSED 127.0.0.1:${closed}`,
    );
  });

  it("waits as a 503's Retry-After says, and never throws into the application", async () => {
    const arrivals: number[] = [];
    const flaky = http.createServer((req, res) => {
      arrivals.push(Date.now());
      req.resume();
      if (arrivals.length === 1) {
        res
          .writeHead(503, { "retry-after": "1", "content-type": "application/json" })
          .end('{"error":{"code":"unavailable","message":"busy"}}');
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end('{"accepted":1,"rejected":0,"errors":[]}');
      }
    });
    await new Promise<void>((resolve) => flaky.listen(0, "127.0.0.1", resolve));
    const { port } = flaky.address() as AddressInfo;
    const client = new TelemetryBuilder()
      .withApiKey(...key)
      .withEndpoint(`http://127.0.0.1:${port}`)
      .withService("retrying")
      .withHttp()
      .withRetry(true, 2, 10)
      .build();
    // initialize()'s one check of the server, answered first; the log's sends are the arrivals after it
    await expect(client.initialize()).rejects.toThrow(/answered 503 to a first request/);
    arrivals.length = 0;
    client.logWarn("once");
    await client.flush();
    flaky.close();
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(950);
    expect(client.getStatus()).toMatchObject({ logsSent: 1, failed: 0 });
    await client.shutdown(1);
  });
});
