import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { connect as connectHttp2 } from "node:http2";
import { tmpdir } from "node:os";
import path from "node:path";
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
import { generator, mutateBytes } from "@/lib/testing/fuzz";
import { Relay } from "./relay";
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
  method: string,
  message: Uint8Array,
  entries: Record<string, string> = {},
  options: grpc.ChannelOptions = {},
  { host = "127.0.0.1", credentials = grpc.credentials.createInsecure() } = {},
): Promise<Answer> {
  const client = new grpc.Client(`${host}:${port}`, credentials, options);
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(entries)) metadata.set(name, value);
  return new Promise<Answer>((resolve) => {
    client.makeUnaryRequest(
      method,
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

/** grpc.health.v1 Check of a service ("" for the server): its status, or the error. */
async function healthCheck(port: number, service: string): Promise<string> {
  const Health = grpc.makeGenericClientConstructor(healthService, "Health");
  const client = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    check(
      request: { service: string },
      callback: (error: grpc.ServiceError | null, answer?: { status: string }) => void,
    ): void;
  };
  try {
    return await new Promise<string>((resolve, reject) =>
      client.check({ service }, (error, answer) => (error ? reject(error) : resolve(answer!.status))),
    );
  } finally {
    client.close();
  }
}

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
    for (const name of [
      "",
      "opentelemetry.proto.collector.trace.v1.TraceService",
      "opentelemetry.proto.collector.metrics.v1.MetricsService",
      "opentelemetry.proto.collector.logs.v1.LogsService",
    ]) {
      expect(await healthCheck(port, name), name).toBe("SERVING");
    }
    await expect(healthCheck(port, "no.such.Service")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });
});

/** A gRPC message frame: the compressed flag, the length (as given), the bytes. */
function frame(message: Buffer, { compressed = 0, length = message.length } = {}): Buffer {
  const head = Buffer.alloc(5);
  head[0] = compressed;
  head.writeUInt32BE(length, 1);
  return Buffer.concat([head, message]);
}

/** A raw HTTP/2 POST to the trace service's Export: the HTTP status and the grpc-status (header or trailer). */
async function rawExport(
  port: number,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ http: number; grpc?: number }> {
  const session = connectHttp2(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  try {
    const stream = session.request({
      ":method": "POST",
      ":path": TRACES,
      "content-type": "application/grpc",
      te: "trailers",
      ...headers,
    });
    let http = 0;
    let grpcStatus: string | undefined;
    stream.on("response", (h) => {
      http = Number(h[":status"]);
      grpcStatus ??= h["grpc-status"] as string | undefined;
    });
    stream.on("trailers", (t) => (grpcStatus ??= t["grpc-status"] as string | undefined));
    stream.resume();
    await new Promise<void>((resolve) => {
      stream.on("close", resolve);
      stream.on("error", () => resolve());
      stream.end(body);
    });
    return { http, ...(grpcStatus !== undefined ? { grpc: Number(grpcStatus) } : {}) };
  } finally {
    session.close();
  }
}

describe("OTLP/gRPC under hostile input", () => {
  let server: RunningServer;
  let port: number;
  let key: string;
  beforeAll(async () => {
    port = await freePort();
    server = await startServer({
      env: { TRACEDECK_OTLP_GRPC_PORT: String(port), TRACEDECK_MAX_BODY_BYTES: String(1024 * 1024) },
    });
    key = await createKey(server.env, "ingest");
  });
  afterAll(() => server?.stop());

  it("answers malformed frames, wrong content types and encodings with gRPC's statuses, and serves on", async () => {
    const empty = Buffer.alloc(0);
    const auth = { "x-api-key": key };
    const cases: [string, Record<string, string>, Buffer, { http: number; grpc?: number }][] = [
      ["an empty export", auth, frame(empty), { http: 200, grpc: grpc.status.OK }],
      ["JSON content type", { ...auth, "content-type": "application/json" }, frame(empty), { http: 415 }],
      ["a frame cut short", auth, frame(Buffer.from([1, 2, 3]), { length: 100 }), { http: 200, grpc: 12 }],
      ["half a frame header", auth, Buffer.from([0, 0]), { http: 200, grpc: 12 }],
      ["no message", auth, empty, { http: 200, grpc: 12 }],
      ["two messages", auth, Buffer.concat([frame(empty), frame(empty)]), { http: 200, grpc: 12 }],
      ["a length past the cap", auth, frame(Buffer.from([1]), { length: 0x7fffffff }), { http: 200, grpc: 8 }],
      [
        "an unknown encoding",
        { ...auth, "grpc-encoding": "snappy" },
        frame(Buffer.from([1]), { compressed: 1 }),
        { http: 200, grpc: 12 },
      ],
      [
        "gzip that is not",
        { ...auth, "grpc-encoding": "gzip" },
        frame(Buffer.from([1, 2, 3]), { compressed: 1 }),
        { http: 200, grpc: 13 },
      ],
      ["garbage protobuf", auth, frame(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])), { http: 200, grpc: 3 }],
    ];
    for (const [what, headers, body, expected] of cases) {
      expect(await rawExport(port, headers, body), what).toEqual(expected);
    }
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
  });

  it("answers bytes changed, cut or added with OK (partial success) or INVALID_ARGUMENT, never an internal error", async () => {
    const good = Buffer.from(
      traceRequest([
        {
          ...span("c1d19b7ec3c1b174"),
          attributes: [{ key: "k", value: { arrayValue: { values: [{ intValue: "7" }, { stringValue: "s" }] } } }],
          events: [{ name: "e", timeUnixNano: "1763787600100000000" }],
          status: { code: 2, message: "boom" },
        },
      ]),
    );
    const random = generator(17);
    const failures: string[] = [];
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const { how, body } = mutateBytes(good, random);
      const answer = await exportCall(port, TRACES, body, { "x-api-key": key });
      const code = answer.error?.code ?? grpc.status.OK;
      seen.add(code);
      if (code !== grpc.status.OK && code !== grpc.status.INVALID_ARGUMENT)
        failures.push(`${how} ${body.toString("hex").slice(0, 60)}: ${code} ${answer.error?.details}`);
    }
    expect(failures).toEqual([]);
    // both answers came: the mutations reach the decoder and the mappers, not only the framing
    expect([...seen].sort()).toEqual([grpc.status.OK, grpc.status.INVALID_ARGUMENT]);
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
  });
});

describe("OTLP/gRPC while the database is down", () => {
  let server: RunningServer;
  let relay: Relay;
  let port: number;
  let key: string;
  let sql: postgres.Sql;
  beforeAll(async () => {
    const url = inject("serverPostgresUrl");
    const relayed = await Relay.to(url);
    relay = relayed.relay;
    port = await freePort();
    server = await startServer({ databaseUrl: relayed.url, env: { TRACEDECK_OTLP_GRPC_PORT: String(port) } });
    key = await createKey(server.env, "ingest");
    sql = postgres(url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await server?.stop();
    await relay?.close();
  });

  it("answers UNAVAILABLE with RetryInfo; a client that retries, as gRPC's retry policy does, loses nothing", async () => {
    relay.refuse();
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
    setTimeout(() => relay.restore(), 1500);
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

  it("answers UNAVAILABLE within seconds when the database goes silent, health says NOT_SERVING, and spans are taken again once it is back", async () => {
    relay.freeze();
    const started = Date.now();
    const silent = await exportCall(port, TRACES, traceRequest([span("a4b19b7ec3c1b174")]), { "x-api-key": key });
    expect(silent.error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(retryAfter(silent.error!)).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(3500);
    // health is checked every 5 s, each check given 1.5 s
    let status = await healthCheck(port, "");
    for (let i = 0; i < 40 && status !== "NOT_SERVING"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = await healthCheck(port, "");
    }
    expect(status).toBe("NOT_SERVING");
    relay.restore();
    // the server probes the database every second while it is out
    let answer = await exportCall(port, TRACES, traceRequest([span("a5b19b7ec3c1b174")]), { "x-api-key": key });
    for (let i = 0; i < 20 && answer.error?.code === grpc.status.UNAVAILABLE; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = await exportCall(port, TRACES, traceRequest([span("a5b19b7ec3c1b174")]), { "x-api-key": key });
    }
    expect(answer.error).toBeUndefined();
    expect(await sql`select 1 from spans where span_id = 'a5b19b7ec3c1b174'`).toHaveLength(1);
  });
});

describe("OTLP ports over TLS", () => {
  let server: RunningServer;
  let dir: string;
  let cert: Buffer;
  let grpcPort: number;
  let httpPort: number;
  let key: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tracedeck-tls-"));
    // a self-signed certificate for localhost
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    cert = readFileSync(path.join(dir, "cert.pem"));
    [grpcPort, httpPort] = [await freePort(), await freePort()];
    server = await startServer({
      env: {
        TRACEDECK_OTLP_GRPC_PORT: String(grpcPort),
        TRACEDECK_OTLP_HTTP_PORT: String(httpPort),
        TRACEDECK_TLS_CERT: path.join(dir, "cert.pem"),
        TRACEDECK_TLS_KEY: path.join(dir, "key.pem"),
      },
    });
    key = await createKey(server.env, "ingest");
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("speaks gRPC over TLS, and refuses a plaintext client", async () => {
    const message = traceRequest([span("b1b19b7ec3c1b174")]);
    const secure = await exportCall(
      grpcPort,
      TRACES,
      message,
      { "x-api-key": key },
      {},
      {
        host: "localhost",
        credentials: grpc.credentials.createSsl(cert),
      },
    );
    expect(secure.error).toBeUndefined();
    expect(decodeResponse("traces", secure.bytes!)).toEqual({});
    const plain = await exportCall(grpcPort, TRACES, message, { "x-api-key": key });
    expect(plain.error?.code).toBe(grpc.status.UNAVAILABLE);
  });

  it("speaks OTLP/HTTP over TLS on its port", async () => {
    const body = traceRequest([span("b2b19b7ec3c1b174")]);
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpsRequest(
        {
          host: "localhost",
          port: httpPort,
          path: "/v1/traces",
          method: "POST",
          ca: cert,
          headers: { "content-type": "application/x-protobuf", "x-api-key": key },
        },
        (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode!));
        },
      );
      request.on("error", reject);
      request.end(Buffer.from(body));
    });
    expect(status).toBe(200);
    const search = await fetch(`${server.url}/api/v1/traces/6b8efff798038103d269b633813fc60c`, {
      headers: { authorization: `Bearer ${await createKey(server.env, "read")}` },
    });
    expect(search.status).toBe(200);
  });
});
