import { readFileSync, writeFileSync } from "node:fs";
import { createGzip } from "node:zlib";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { Metadata } from "@grpc/grpc-js";
import { OTLPLogExporter as LogsOverGrpc } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPLogExporter as LogsOverHttp } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as LogsOverProto } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as MetricsOverGrpc } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPMetricExporter as MetricsOverHttp } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as MetricsOverProto } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as TracesOverGrpc } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as TracesOverHttp } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as TracesOverProto } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { decodeResponse, decodeStatus, encodeRequest } from "@/lib/shared/otlp-proto";
import { createKey, freePort, startServer, type RunningServer } from "./server";

// The official OpenTelemetry JS SDK and its OTLP exporters (gRPC, protobuf and JSON) against the real
// server on Postgres, on the main port and on the collector ports; what they sent is read back from
// the database.

let server: RunningServer;
let key: string;
let sql: postgres.Sql;
let grpcPort: number;
let httpPort: number;

beforeAll(async () => {
  const url = inject("serverPostgresUrl");
  [grpcPort, httpPort] = [await freePort(), await freePort()];
  server = await startServer({
    databaseUrl: url,
    env: { TRACEDECK_OTLP_GRPC_PORT: String(grpcPort), TRACEDECK_OTLP_HTTP_PORT: String(httpPort) },
  });
  key = await createKey(server.env, "ingest");
  sql = postgres(url, { max: 2, onnotice: () => {}, types: { bigint: postgres.BigInt } });
});
afterAll(async () => {
  delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
  await sql?.end();
  await server?.stop();
});

const exporters = {
  protobuf: { traces: TracesOverProto, metrics: MetricsOverProto, logs: LogsOverProto },
  json: { traces: TracesOverHttp, metrics: MetricsOverHttp, logs: LogsOverHttp },
  grpc: { traces: TracesOverGrpc, metrics: MetricsOverGrpc, logs: LogsOverGrpc },
};
const SECOND = 1_763_787_600;
const ns = (seconds: number, nanos: number) => BigInt(seconds) * 1_000_000_000n + BigInt(nanos);

// `encoding` names the exporter, and where it sends: the main port's /v1/*, the OTLP/HTTP port (4318) or the
// OTLP/gRPC port (4317)
describe.each(["protobuf", "json", "protobuf-4318", "json-4318", "grpc"] as const)(
  "OpenTelemetry SDK: %s",
  (encoding) => {
    const kind = encoding.startsWith("protobuf") ? "protobuf" : encoding.startsWith("json") ? "json" : "grpc";
    const url = (signal: "traces" | "metrics" | "logs") =>
      kind === "grpc"
        ? `http://127.0.0.1:${grpcPort}`
        : `${encoding.endsWith("-4318") ? `http://127.0.0.1:${httpPort}` : server.url}/v1/${signal}`;
    // protobuf exporters: the key in the exporter's headers, gzip bodies; JSON exporters: the key
    // from OTEL_EXPORTER_OTLP_HEADERS (percent-encoded, as the variable is written), plain bodies;
    // gRPC: the key in the call's metadata, gzip messages
    const options = () => {
      if (kind === "grpc") {
        const metadata = new Metadata();
        metadata.set("authorization", `Bearer ${key}`);
        return { metadata, compression: CompressionAlgorithm.GZIP };
      }
      if (kind === "protobuf") return { headers: { "x-api-key": key }, compression: CompressionAlgorithm.GZIP };
      process.env.OTEL_EXPORTER_OTLP_HEADERS = `authorization=Bearer%20${encodeURIComponent(key)}`;
      return {};
    };
    const resource = () =>
      resourceFromAttributes({
        "service.name": `checkout-${encoding}`,
        "deployment.environment": "test",
        "host.cores": 2,
      });

    it("stores spans with ids, parent links, exact times, kinds, status, events, links, attributes and their types", async () => {
      const exporter = new exporters[kind].traces({ url: url("traces"), ...options() });
      const provider = new BasicTracerProvider({
        resource: resource(),
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      });
      const tracer = provider.getTracer("shop-instrumentation", "1.2.3");
      const linked = tracer.startSpan("earlier", { startTime: [SECOND - 10, 0] });
      linked.end([SECOND - 9, 0]);
      const parent = tracer.startSpan("POST /checkout", {
        kind: SpanKind.SERVER,
        startTime: [SECOND, 123_456_789],
        attributes: { "http.route": "/checkout", retry: true, items: 42, ratio: 0.25, tags: ["a", "b"] },
        links: [{ context: linked.spanContext(), attributes: { reason: "follows" } }],
      });
      const child = tracer.startSpan(
        "SELECT orders",
        { kind: SpanKind.CLIENT, startTime: [SECOND, 200_000_001] },
        trace.setSpan(context.active(), parent),
      );
      child.addEvent("retrying", { attempt: 2 }, [SECOND, 300_000_002]);
      child.setStatus({ code: SpanStatusCode.ERROR, message: "deadlock detected" });
      child.end([SECOND, 400_000_003]);
      parent.setStatus({ code: SpanStatusCode.OK });
      parent.end([SECOND, 987_654_321]);
      await provider.forceFlush();
      await provider.shutdown();

      const traceId = parent.spanContext().traceId;
      const rows = await sql`select * from spans where trace_id = ${traceId} order by start_time_unix_nano`;
      expect(rows).toHaveLength(2);
      const [p, c] = rows;
      expect(p!.span_id).toBe(parent.spanContext().spanId);
      expect(p!.parent_span_id).toBeNull();
      expect(c!.span_id).toBe(child.spanContext().spanId);
      expect(c!.parent_span_id).toBe(parent.spanContext().spanId);
      expect(p!.start_time_unix_nano).toBe(ns(SECOND, 123_456_789));
      expect(p!.end_time_unix_nano).toBe(ns(SECOND, 987_654_321));
      expect(c!.start_time_unix_nano).toBe(ns(SECOND, 200_000_001));
      expect(c!.duration_nano).toBe(200_000_002n);
      expect([p!.kind, c!.kind]).toEqual(["server", "client"]);
      expect([p!.status_code, c!.status_code, c!.status_message]).toEqual(["ok", "error", "deadlock detected"]);
      expect(p!.service_name).toBe(`checkout-${encoding}`);
      expect(p!.attributes).toEqual({
        "http.route": "/checkout",
        retry: true,
        items: 42,
        ratio: 0.25,
        tags: ["a", "b"],
      });
      expect(p!.resource_attributes).toMatchObject({
        "service.name": `checkout-${encoding}`,
        "deployment.environment": "test",
        "host.cores": 2,
      });
      expect(p!.scope).toEqual({ name: "shop-instrumentation", version: "1.2.3", attributes: {} });
      expect(Number(p!.flags) & 0xff).toBe(1); // sampled (higher bits: OTLP's is-remote flags)
      expect(p!.links).toEqual([
        expect.objectContaining({
          trace_id: linked.spanContext().traceId,
          span_id: linked.spanContext().spanId,
          attributes: { reason: "follows" },
        }),
      ]);
      expect(c!.events).toEqual([
        { name: "retrying", time_unix_nano: String(ns(SECOND, 300_000_002)), attributes: { attempt: 2 } },
      ]);

      const [summary] = await sql`select * from traces where trace_id = ${traceId}`;
      expect(summary).toMatchObject({
        span_count: 2,
        error_count: 1,
        root_name: "POST /checkout",
        root_service_name: `checkout-${encoding}`,
      });
    });

    it("stores counters, up-down counters, gauges, histograms and exponential histograms with their temporality", async () => {
      const exporter = new exporters[kind].metrics({
        url: url("metrics"),
        ...options(),
        temporalityPreference: AggregationTemporality.DELTA,
      });
      const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
      const provider = new MeterProvider({
        resource: resource(),
        readers: [reader],
        views: [
          { instrumentName: `payload.size.${encoding}`, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
        ],
      });
      const meter = provider.getMeter("shop-metrics", "0.9.0");
      meter
        .createCounter(`orders.${encoding}`, { unit: "{order}", description: "orders placed" })
        .add(3, { region: "eu" });
      meter.createUpDownCounter(`queue.depth.${encoding}`).add(-2, { queue: "mail" });
      meter.createGauge(`temperature.${encoding}`, { unit: "Cel" }).record(21.5, { room: "lab" });
      const latency = meter.createHistogram(`latency.${encoding}`, {
        unit: "ms",
        advice: { explicitBucketBoundaries: [10, 100, 1000] },
      });
      for (const v of [5, 50, 60, 500, 5000]) latency.record(v, { route: "/checkout" });
      const sizes = meter.createHistogram(`payload.size.${encoding}`, { unit: "By" });
      for (const v of [100, 200, 400, 800]) sizes.record(v);
      await provider.forceFlush();
      await provider.shutdown();

      const series = async (name: string) => {
        const [s] = await sql`select * from metric_series where name = ${name}`;
        expect(s, name).toBeDefined();
        const points = await sql`select * from metric_points where series_id = ${s!.id} order by time`;
        return { s: s!, p: points[0]! };
      };
      const orders = await series(`orders.${encoding}`);
      expect(orders.s).toMatchObject({
        type: "counter",
        temporality: "delta",
        unit: "{order}",
        description: "orders placed",
        tags: { region: "eu" },
        service_name: `checkout-${encoding}`,
      });
      expect(orders.s.resource_attributes).toMatchObject({ "deployment.environment": "test" });
      expect(orders.s.scope).toMatchObject({ name: "shop-metrics", version: "0.9.0" });
      expect(orders.p.value).toBe(3);
      expect(orders.p.start_time).not.toBeNull();

      const queue = await series(`queue.depth.${encoding}`);
      expect(queue.s.type).toBe("gauge"); // a non-monotonic sum
      expect(queue.p.value).toBe(-2);

      const temperature = await series(`temperature.${encoding}`);
      expect(temperature.s).toMatchObject({ type: "gauge", unit: "Cel", tags: { room: "lab" } });
      expect(temperature.p.value).toBe(21.5);

      const latencyRow = await series(`latency.${encoding}`);
      expect(latencyRow.s).toMatchObject({ type: "histogram", temporality: "delta" });
      expect(latencyRow.p).toMatchObject({ count: 5n, sum: 5615, min: 5, max: 5000, bounds: [10, 100, 1000] });
      expect(latencyRow.p.bucket_counts).toEqual([1n, 2n, 1n, 1n]);

      const payload = await series(`payload.size.${encoding}`);
      expect(payload.s.type).toBe("exponential_histogram");
      expect(payload.p).toMatchObject({ count: 4n, sum: 1500, min: 100, max: 800 });
      const distribution = payload.p.distribution as { scale: number; positive: { bucket_counts: number[] } };
      expect(typeof distribution.scale).toBe("number");
      expect(distribution.positive.bucket_counts.reduce((a, b) => a + b, 0)).toBe(4);
    });

    it("stores logs with severity, bodies of any type, typed attributes and their trace", async () => {
      const exporter = new exporters[kind].logs({ url: url("logs"), ...options() });
      const provider = new LoggerProvider({
        resource: resource(),
        processors: [new SimpleLogRecordProcessor({ exporter })],
      });
      const logger = provider.getLogger("shop-logs", "3.0.0");
      const tracerProvider = new BasicTracerProvider();
      const span = tracerProvider.getTracer("t").startSpan("work");
      const marker = `${encoding}-${Date.now()}`;
      logger.emit({
        severityNumber: SeverityNumber.WARN,
        severityText: "WARN",
        body: `card declined ${marker}`,
        timestamp: [SECOND, 555_000_001],
        attributes: {
          marker,
          attempt: 3,
          amount: 9.99,
          flagged: true,
          raw: new Uint8Array([1, 2, 3]),
          detail: { code: "E42", retry: false },
        },
        context: trace.setSpan(context.active(), span),
      });
      logger.emit({ severityNumber: SeverityNumber.INFO, body: { order: 17, items: ["a"] }, attributes: { marker } });
      await provider.forceFlush();
      await provider.shutdown();

      const rows =
        await sql`select * from logs where attributes ->> 'marker' = ${marker} order by severity_number desc`;
      expect(rows).toHaveLength(2);
      const [warn, info] = rows;
      expect(warn).toMatchObject({
        severity_number: 13,
        severity_text: "WARN",
        body: `card declined ${marker}`,
        service_name: `checkout-${encoding}`,
      });
      expect(warn!.time_unix_nano).toBe(ns(SECOND, 555_000_001));
      expect(warn!.trace_id).toBe(span.spanContext().traceId);
      expect(warn!.span_id).toBe(span.spanContext().spanId);
      expect(warn!.attributes).toEqual({
        marker,
        attempt: 3,
        amount: 9.99,
        flagged: true,
        raw: { "@bytes": "AQID" },
        detail: { code: "E42", retry: false },
      });
      expect(warn!.scope).toMatchObject({ name: "shop-logs", version: "3.0.0" });
      expect(info!.body).toEqual({ order: 17, items: ["a"] });
      expect(info!.trace_id).toBeNull();
    });
  },
);

const post = (path: string, body: BodyInit, headers: Record<string, string>) =>
  fetch(server.url + path, { method: "POST", body, headers: { "x-api-key": key, ...headers } });

// the same answers on the main port's /v1/* and on the OTLP/HTTP port; `id` tells their spans apart
describe.each([
  { port: "the main port", base: () => server.url, id: "e" },
  { port: "the OTLP/HTTP port", base: () => `http://127.0.0.1:${httpPort}`, id: "f" },
])("OTLP/HTTP on $port answers as the specification says", ({ base, id }) => {
  const post = (path: string, body: BodyInit, headers: Record<string, string>) =>
    fetch(base() + path, { method: "POST", body, headers: { "x-api-key": key, ...headers } });
  const spanId = (n: number) => `${id}${n}e19b7ec3c1b174`;
  const jsonTraces = (spans: unknown[]) =>
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "edge" } }] },
          scopeSpans: [{ spans }],
        },
      ],
    });
  const span = (spanId: string) => ({
    traceId: "5b8efff798038103d269b633813fc60c",
    spanId,
    name: "op",
    kind: 2,
    startTimeUnixNano: "1763787600000000000",
    endTimeUnixNano: 1763787600500000000,
    attributes: [
      { key: "big", value: { intValue: "9007199254740993" } },
      { key: "whole", value: { doubleValue: 2 } },
      { key: "kv", value: { kvlistValue: { values: [{ key: "k", value: { boolValue: true } }] } } },
    ],
    unknownField: "ignored",
  });

  it("answers an empty JSON response without partial_success when everything is stored", async () => {
    const response = await post("/v1/traces", jsonTraces([span(spanId(1))]), {
      "content-type": "application/json",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({});
    const [row] = await sql`select attributes from spans where span_id = ${spanId(1)}`;
    expect(row!.attributes).toEqual({ big: { "@int": "9007199254740993" }, whole: { "@double": 2 }, kv: { k: true } });
  });

  it("stores a protobuf batch sent again once, its trace's summary counted once, and the new span beside it", async () => {
    const traceId = `${id}${id}`.padEnd(32, "7");
    const resentId = (n: number) => `${id}${n}`.padEnd(16, "c");
    const protoSpan = (n: number, parent?: number) => ({
      traceId: Buffer.from(traceId, "hex"),
      spanId: Buffer.from(resentId(n), "hex"),
      ...(parent === undefined ? {} : { parentSpanId: Buffer.from(resentId(parent), "hex") }),
      name: parent === undefined ? "root" : `child ${n}`,
      startTimeUnixNano: String(1763787600000000000n + BigInt(n)),
      endTimeUnixNano: String(1763787601000000000n - BigInt(n)),
      status: { code: n === 2 ? 2 : 1 },
    });
    const body = (spans: unknown[]) =>
      encodeRequest("traces", {
        resourceSpans: [
          {
            resource: { attributes: [{ key: "service.name", value: { stringValue: "resent" } }] },
            scopeSpans: [{ spans }],
          },
        ],
      });
    const headers = { "content-type": "application/x-protobuf" };
    const first = [protoSpan(0), protoSpan(1, 0), protoSpan(2, 0)];
    for (const spans of [first, first, [...first, protoSpan(3, 0)]]) {
      const response = await post("/v1/traces", Buffer.from(body(spans)), headers);
      expect(response.status).toBe(200);
      expect(decodeResponse("traces", new Uint8Array(await response.arrayBuffer()))).toEqual({});
    }
    const spans = await sql`select span_id from spans where trace_id = ${traceId} order by span_id`;
    expect(spans.map((s) => s.span_id)).toEqual([0, 1, 2, 3].map(resentId));
    const [summary] =
      await sql`select span_count, error_count, root_name, services from traces where trace_id = ${traceId}`;
    expect(summary).toEqual({ span_count: 4, error_count: 1, root_name: "root", services: ["resent"] });
  });

  it("reports rejected spans in partial_success and stores the rest", async () => {
    const response = await post(
      "/v1/traces",
      jsonTraces([span(spanId(2)), span("not-hex"), { ...span(spanId(3)), startTimeUnixNano: "0" }]),
      {
        "content-type": "application/json",
      },
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.partialSuccess.rejectedSpans).toBe("2");
    expect(body.partialSuccess.errorMessage).toMatch(/span id/);
    const rows = await sql`select span_id from spans where span_id in (${spanId(2)}, ${spanId(3)})`;
    expect(rows.map((r) => r.span_id)).toEqual([spanId(2)]);
  });

  it("answers protobuf with protobuf, and a malformed protobuf body with 400 and a protobuf Status", async () => {
    const empty = await post("/v1/metrics", new Uint8Array(0), { "content-type": "application/x-protobuf" });
    expect(empty.status).toBe(200);
    expect(empty.headers.get("content-type")).toBe("application/x-protobuf");
    expect(decodeResponse("metrics", new Uint8Array(await empty.arrayBuffer()))).toEqual({});

    const garbage = await post("/v1/traces", new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), {
      "content-type": "application/x-protobuf",
    });
    expect(garbage.status).toBe(400);
    expect(garbage.headers.get("content-type")).toBe("application/x-protobuf");
    const status = decodeStatus(new Uint8Array(await garbage.arrayBuffer()));
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/protobuf/);
  });

  it("answers 400 to malformed JSON, 401 without a key, 415 to other content types", async () => {
    const cases: [string, Response, number][] = [
      ["not JSON", await post("/v1/logs", "{", { "content-type": "application/json" }), 400],
      [
        "wrong structure",
        await post("/v1/logs", JSON.stringify({ resourceLogs: {} }), { "content-type": "application/json" }),
        400,
      ],
      ["no key", await post("/v1/logs", "{}", { "content-type": "application/json", "x-api-key": "" }), 401],
      ["text", await post("/v1/logs", "hello", { "content-type": "text/plain" }), 415],
    ];
    for (const [what, response, status] of cases) {
      expect(response.status, what).toBe(status);
      expect(response.headers.get("content-type"), what).toMatch(/^application\/json/);
      const body = await response.json();
      expect(body.message, what).toEqual(expect.any(String));
      expect(body.code, what).toEqual(expect.any(Number));
    }
  });

  it("refuses a gzip bomb with 413 without the server's memory growing by more than 64 MiB", async () => {
    const gzip = createGzip({ level: 9 });
    const chunks: Buffer[] = [];
    gzip.on("data", (c: Buffer) => chunks.push(c));
    const done = new Promise((r) => gzip.on("end", r));
    const zeros = Buffer.alloc(1 << 20);
    for (let i = 0; i < 1024; i++) if (!gzip.write(zeros)) await new Promise((r) => gzip.once("drain", r)); // 1 GiB inflated
    gzip.end();
    await done;
    const bomb = Buffer.concat(chunks);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);

    const memory = (field: "VmRSS" | "VmHWM") =>
      Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${server.child.pid}/status`, "utf8"))![1]) *
      1024;
    // reset the server's peak-RSS mark, so the peak below is the peak of this request
    writeFileSync(`/proc/${server.child.pid}/clear_refs`, "5");
    const before = memory("VmRSS");
    const response = await post("/v1/traces", bomb, {
      "content-type": "application/x-protobuf",
      "content-encoding": "gzip",
    });
    expect(response.status).toBe(413);
    expect(decodeStatus(new Uint8Array(await response.arrayBuffer())).message).toMatch(/exceeds/);
    expect(memory("VmHWM") - before).toBeLessThan(64 * 1024 * 1024);
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
  });
});

describe("Zipkin on the main port", () => {
  it("takes Zipkin v2 JSON", async () => {
    const response = await post(
      "/api/v2/spans",
      JSON.stringify([
        {
          traceId: "86154a4ba6e91385",
          id: "4d1e00c0db9010db",
          parentId: "86154a4ba6e91385",
          name: "get /api",
          kind: "CLIENT",
          timestamp: 1_763_787_600_000_123,
          duration: 2500,
          localEndpoint: { serviceName: "frontend", ipv4: "10.0.0.2" },
          remoteEndpoint: { serviceName: "backend", ipv4: "10.0.0.3", port: 8080 },
          annotations: [{ timestamp: 1_763_787_600_001_000, value: "ws" }],
          tags: { "http.method": "GET", error: "timeout" },
        },
        { traceId: "xyz", id: "1" },
      ]),
      { "content-type": "application/json" },
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 1, rejected: 1 });
    const [row] = await sql`select * from spans where span_id = '4d1e00c0db9010db'`;
    expect(row).toMatchObject({
      trace_id: "000000000000000086154a4ba6e91385",
      parent_span_id: "86154a4ba6e91385",
      name: "get /api",
      kind: "client",
      service_name: "frontend",
      status_code: "error",
      status_message: "timeout",
      start_time_unix_nano: 1_763_787_600_000_123_000n,
      duration_nano: 2_500_000n,
    });
    expect(row!.attributes).toMatchObject({
      "http.method": "GET",
      "peer.service": "backend",
      "network.peer.port": 8080,
    });
    expect(row!.events).toEqual([{ name: "ws", time_unix_nano: "1763787600001000000", attributes: {} }]);
  });
});
