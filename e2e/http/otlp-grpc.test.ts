import { connect, createServer, type Server, type Socket } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { SpanKind } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { ExportResultCode } from "@opentelemetry/core";
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { service as healthService } from "grpc-health-check";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { decodeResponse, decodeStatus, encodeRequest } from "@/lib/shared/otlp-proto";
import { createKey, freePort, startServer, type RunningServer } from "./server";

// The OTLP/gRPC receiver's answers, as the OTLP specification gives them, with a raw gRPC client:
// credentials in each form, status codes, partial success, the message cap, health, and a database
// that goes away and comes back under the official exporter.

const TRACES = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
const LOGS = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
const asIs = (b: Buffer) => b;

interface Answer {
  error?: grpc.ServiceError;
  bytes?: Buffer;
}

/** One Export call with these metadata entries; the error (with its trailers) or the answer's bytes. */
function exportCall(
  port: number,
  path: string,
  message: Uint8Array,
  entries: Record<string, string> = {},
  options: grpc.ChannelOptions = {},
): Promise<Answer> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options);
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(entries)) metadata.set(name, value);
  return new Promise<Answer>((resolve) => {
    client.makeUnaryRequest(
      path,
      asIs,
      asIs,
      Buffer.from(message),
      metadata,
      { deadline: Date.now() + 20_000 },
      (error, bytes) => {
        client.close();
        resolve(error ? { error } : { bytes });
      },
    );
  });
}

const traceRequest = (spans: Record<string, unknown>[]) =>
  encodeRequest("traces", {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "grpc-edge" } }] },
        scopeSpans: [{ spans }],
      },
    ],
  });
const hex = (s: string) => Buffer.from(s, "hex");
const span = (spanId: string, start = "1763787600000000000") => ({
  traceId: hex("6b8efff798038103d269b633813fc60c"),
  spanId: hex(spanId),
  name: "op",
  kind: 2,
  startTimeUnixNano: start,
  endTimeUnixNano: "1763787600500000000",
});

/** The RetryInfo delay a gRPC error carries in grpc-status-details-bin, if any. */
function retryAfter(error: grpc.ServiceError): number | undefined {
  const [details] = error.metadata.get("grpc-status-details-bin");
  return details ? decodeStatus(details as Buffer).retryAfterSeconds : undefined;
}

describe("OTLP/gRPC", () => {
  let server: RunningServer;
  let port: number;
  let ingestKey: string;
  let readKey: string;
  let sql: postgres.Sql;
  beforeAll(async () => {
    const url = inject("serverPostgresUrl");
    port = await freePort();
    server = await startServer({
      databaseUrl: url,
      // a 1 MiB cap, to reach it with a small message
      env: { TRACEDECK_OTLP_GRPC_PORT: String(port), TRACEDECK_MAX_BODY_BYTES: String(1024 * 1024) },
    });
    ingestKey = await createKey(server.env, "ingest");
    readKey = await createKey(server.env, "read");
    sql = postgres(url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await server?.stop();
  });

  it("takes credentials in every form the HTTP endpoints take them", async () => {
    const [keyId, secret] = ingestKey.split(":") as [string, string];
    const forms: [string, Record<string, string>][] = [
      ["authorization", { authorization: `Bearer ${ingestKey}` }],
      ["x-api-key", { "x-api-key": ingestKey }],
      ["key id and secret", { "x-telemetryflow-key-id": keyId, "x-telemetryflow-key-secret": secret }],
    ];
    for (const [i, [form, entries]] of forms.entries()) {
      const id = `c${i}c19b7ec3c1b174`;
      const answer = await exportCall(port, TRACES, traceRequest([span(id)]), entries);
      expect(answer.error, form).toBeUndefined();
      expect(decodeResponse("traces", answer.bytes!), form).toEqual({});
      expect((await sql`select service_name from spans where span_id = ${id}`)[0], form).toEqual({
        service_name: "grpc-edge",
      });
    }
  });

  it("answers UNAUTHENTICATED without a key or with a wrong one, PERMISSION_DENIED to a key without ingest", async () => {
    const message = traceRequest([span("d1d19b7ec3c1b174")]);
    const none = await exportCall(port, TRACES, message);
    expect(none.error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(none.error?.details).toMatch(/missing credentials/);
    const wrong = await exportCall(port, TRACES, message, { authorization: "Bearer tfk_nope:tfs_nope" });
    expect(wrong.error?.code).toBe(grpc.status.UNAUTHENTICATED);
    const read = await exportCall(port, TRACES, message, { authorization: `Bearer ${readKey}` });
    expect(read.error?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(retryAfter(read.error!)).toBeUndefined();
    expect(await sql`select 1 from spans where span_id = 'd1d19b7ec3c1b174'`).toHaveLength(0);
  });

  it("answers INVALID_ARGUMENT, without RetryInfo, to a malformed message", async () => {
    const answer = await exportCall(port, LOGS, new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), {
      "x-api-key": ingestKey,
    });
    expect(answer.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(answer.error?.details).toMatch(/protobuf/);
    expect(retryAfter(answer.error!)).toBeUndefined();
  });

  it("reports rejected spans as partial success and stores the rest", async () => {
    const answer = await exportCall(
      port,
      TRACES,
      traceRequest([span("e1d19b7ec3c1b174"), span("e2d19b7ec3c1b174", "0")]),
      { "x-api-key": ingestKey },
    );
    expect(answer.error).toBeUndefined();
    expect(decodeResponse("traces", answer.bytes!)).toEqual({
      partialSuccess: { rejectedSpans: 1, errorMessage: expect.stringMatching(/start/) },
    });
    const rows = await sql`select span_id from spans where span_id in ('e1d19b7ec3c1b174', 'e2d19b7ec3c1b174')`;
    expect(rows.map((r) => r.span_id)).toEqual(["e1d19b7ec3c1b174"]);
  });

  it("takes gzip messages, and refuses one past the cap once inflated with RESOURCE_EXHAUSTED", async () => {
    const gzip = { "grpc.default_compression_algorithm": 2 };
    const small = await exportCall(
      port,
      TRACES,
      traceRequest([span("f1d19b7ec3c1b174")]),
      { "x-api-key": ingestKey },
      gzip,
    );
    expect(small.error).toBeUndefined();
    expect(await sql`select 1 from spans where span_id = 'f1d19b7ec3c1b174'`).toHaveLength(1);
    // 2 MiB of one repeated name: a few kilobytes gzipped, past the 1 MiB cap inflated
    const big = traceRequest([{ ...span("f2d19b7ec3c1b174"), name: "x".repeat(2 * 1024 * 1024) }]);
    const answer = await exportCall(port, TRACES, big, { "x-api-key": ingestKey }, gzip);
    expect(answer.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(retryAfter(answer.error!)).toBeUndefined();
    expect(await sql`select 1 from spans where span_id = 'f2d19b7ec3c1b174'`).toHaveLength(0);
  });

  it("answers grpc.health.v1 Check: SERVING for the server and each collector service", async () => {
    const Health = grpc.makeGenericClientConstructor(healthService, "Health");
    const client = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      check(request: { service: string }, callback: (error: grpc.ServiceError | null, answer?: unknown) => void): void;
    };
    const check = (name: string) =>
      new Promise<unknown>((resolve, reject) =>
        client.check({ service: name }, (error, answer) => (error ? reject(error) : resolve(answer))),
      );
    try {
      for (const name of [
        "",
        "opentelemetry.proto.collector.trace.v1.TraceService",
        "opentelemetry.proto.collector.metrics.v1.MetricsService",
        "opentelemetry.proto.collector.logs.v1.LogsService",
      ]) {
        expect(await check(name), name).toEqual({ status: "SERVING" });
      }
      await expect(check("no.such.Service")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    } finally {
      client.close();
    }
  });
});

describe("OTLP/gRPC while the database is down", () => {
  /** A TCP relay to Postgres that can be cut and restored: the database as the server sees it goes away. */
  class Relay {
    private server: Server | undefined;
    private sockets = new Set<Socket>();
    constructor(
      readonly port: number,
      private readonly target: { host: string; port: number },
    ) {}
    async open(): Promise<void> {
      this.server = createServer((client) => {
        const upstream = connect(this.target.port, this.target.host);
        for (const s of [client, upstream]) {
          this.sockets.add(s);
          s.on("close", () => this.sockets.delete(s));
          s.on("error", () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    }
    async cut(): Promise<void> {
      for (const s of this.sockets) s.destroy();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }
  }

  let server: RunningServer;
  let relay: Relay;
  let port: number;
  let key: string;
  let sql: postgres.Sql;
  beforeAll(async () => {
    const url = new URL(inject("serverPostgresUrl"));
    relay = new Relay(await freePort(), { host: url.hostname, port: Number(url.port || 5432) });
    await relay.open();
    const relayed = new URL(url);
    relayed.port = String(relay.port);
    port = await freePort();
    server = await startServer({ databaseUrl: relayed.toString(), env: { TRACEDECK_OTLP_GRPC_PORT: String(port) } });
    key = await createKey(server.env, "ingest");
    sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await server?.stop();
    await relay?.cut().catch(() => {});
  });

  it("answers UNAVAILABLE with RetryInfo; a client that retries, as gRPC's retry policy does, loses nothing", async () => {
    await relay.cut();
    const down = await exportCall(port, TRACES, traceRequest([span("a1b19b7ec3c1b174")]), { "x-api-key": key });
    expect(down.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(retryAfter(down.error!)).toBeGreaterThan(0);

    // the official exporter does not retry: its export fails, saying why
    const metadata = new grpc.Metadata();
    metadata.set("x-api-key", key);
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}`, metadata });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": "through-outage" }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const failed = await new Promise<{ code: number; error?: Error }>((resolve) => {
      const lost = new BasicTracerProvider().getTracer("t").startSpan("during", { kind: SpanKind.SERVER });
      lost.end();
      exporter.export([lost as unknown as ReadableSpan], resolve);
    });
    expect(failed.code).toBe(ExportResultCode.FAILED);
    expect(failed.error?.message).toMatch(/UNAVAILABLE/);

    // a client with a retry policy for UNAVAILABLE (as the Collector's exporter retries) sends during the outage;
    // the database comes back a moment later, and the spans are stored, once
    const retrying = {
      "grpc.service_config": JSON.stringify({
        methodConfig: [
          {
            name: [{ service: "opentelemetry.proto.collector.trace.v1.TraceService" }],
            retryPolicy: {
              maxAttempts: 5,
              initialBackoff: "0.5s",
              maxBackoff: "2s",
              backoffMultiplier: 2,
              retryableStatusCodes: ["UNAVAILABLE"],
            },
          },
        ],
      }),
    };
    setTimeout(() => void relay.open(), 1500);
    const started = Date.now();
    const kept = await exportCall(
      port,
      TRACES,
      traceRequest([span("a2b19b7ec3c1b174"), span("a3b19b7ec3c1b174")]),
      { "x-api-key": key },
      retrying,
    );
    expect(kept.error).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThan(1000);
    const rows =
      await sql`select span_id from spans where span_id in ('a2b19b7ec3c1b174', 'a3b19b7ec3c1b174') order by 1`;
    expect(rows.map((r) => r.span_id)).toEqual(["a2b19b7ec3c1b174", "a3b19b7ec3c1b174"]);

    // and the official exporter's next export lands, with no restart of anything
    const after = provider.getTracer("t").startSpan("after", { kind: SpanKind.SERVER });
    after.end();
    await provider.forceFlush();
    await provider.shutdown();
    expect(await sql`select name, service_name from spans where span_id = ${after.spanContext().spanId}`).toEqual([
      { name: "after", service_name: "through-outage" },
    ]);
  });
});
