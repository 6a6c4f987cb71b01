import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { decodeRequest } from "../../shared/otlp-proto";
import { TelemetryBuilder } from "./builder";
import { compresses } from "./config";
import { SpanKind } from "./records";

// The exporter against a loopback server that keeps what it is sent: the requests' headers and bodies as a server
// reads them (gunzipped, decoded), and what the client counts of the server's answers.

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const servers: http.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A server answering each request with `answer` (by default 200, and the native endpoints' count of spans). */
async function server(answer?: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void) {
  const received: Received[] = [];
  const listening = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
      received.push({ url: req.url ?? "", headers: req.headers, body });
      if (answer) return answer(req, res, body);
      if (req.url === "/v1/traces") return res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      const spans = (JSON.parse(body.toString("utf8")) as { spans?: unknown[] }).spans ?? [];
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ accepted: spans.length }));
    });
  });
  servers.push(listening);
  await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}`, received };
}

const KEY = ["tfk_0123456789abcdef", "tfs_secret-value_1"] as const;
const builder = (endpoint: string) =>
  new TelemetryBuilder()
    .withApiKey(...KEY)
    .withService("checkout", "2.1.0")
    .withCustomAttribute("région", "eu-west — 1")
    .withEndpoint(endpoint)
    .withTracesOnly()
    .withRetry(false);

/** A parent with an event and a failed child, as the application records them. */
function record(client: ReturnType<TelemetryBuilder["build"]>) {
  const parent = client.startSpan("POST /commande", SpanKind.SERVER, { "http.route": "/commande", retries: 0 });
  client.addSpanEvent(parent, "validé ✓", { items: 3, express: true });
  const child = client.startSpan("charge", SpanKind.CLIENT, { amount: 12.5 }, client.spanContext(parent));
  client.endSpan(child, new TypeError("carte refusée"));
  client.endSpan(parent);
  return { parent, child };
}

describe("OTLP/HTTP protobuf", () => {
  it("sends every field of every span, with the resource, uncompressed to a loopback endpoint", async () => {
    const target = await server();
    const client = builder(target.url).withOtlp().build();
    void client.initialize();
    const { parent, child } = record(client);
    await client.flush();

    expect(client.getStatus()).toMatchObject({ spansSent: 2, failed: 0, dropped: 0, lastError: null });
    const request = target.received.find((r) => r.url === "/v1/traces")!;
    expect(request.headers).toMatchObject({
      "content-type": "application/x-protobuf",
      "user-agent": "tracedeck-sdk/0.1.0",
      authorization: `Bearer ${KEY[0]}:${KEY[1]}`,
    });
    expect(request.headers["content-encoding"]).toBeUndefined();
    const decoded = decodeRequest("traces", request.body) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: unknown }[] };
        scopeSpans: { scope: unknown; spans: Record<string, unknown>[] }[];
      }[];
    };
    const [resourceSpans] = decoded.resourceSpans;
    expect(resourceSpans!.resource.attributes).toEqual(
      expect.arrayContaining([
        { key: "service.name", value: { stringValue: "checkout" } },
        { key: "service.version", value: { stringValue: "2.1.0" } },
        { key: "région", value: { stringValue: "eu-west — 1" } },
      ]),
    );
    expect(resourceSpans!.scopeSpans[0]!.scope).toEqual({ name: "tracedeck-sdk", version: "0.1.0" });
    const [sentChild, sentParent] = resourceSpans!.scopeSpans[0]!.spans;
    const hex = (base64: unknown) => Buffer.from(base64 as string, "base64").toString("hex");
    expect(hex(sentParent!.spanId)).toBe(parent);
    expect(hex(sentChild!.spanId)).toBe(child);
    expect(hex(sentChild!.traceId)).toBe(hex(sentParent!.traceId));
    expect(hex(sentChild!.parentSpanId)).toBe(parent);
    expect(sentParent).not.toHaveProperty("parentSpanId");
    expect(sentParent).toMatchObject({
      name: "POST /commande",
      kind: 2,
      attributes: [
        { key: "http.route", value: { stringValue: "/commande" } },
        { key: "retries", value: { intValue: "0" } },
      ],
      events: [
        {
          name: "validé ✓",
          attributes: [
            { key: "items", value: { intValue: "3" } },
            { key: "express", value: { boolValue: true } },
          ],
        },
      ],
      status: {},
    });
    expect(sentChild).toMatchObject({
      name: "charge",
      kind: 3,
      attributes: [{ key: "amount", value: { doubleValue: 12.5 } }],
      events: [
        {
          name: "exception",
          attributes: expect.arrayContaining([
            { key: "exception.type", value: { stringValue: "TypeError" } },
            { key: "exception.message", value: { stringValue: "carte refusée" } },
          ]) as unknown,
        },
      ],
      status: { code: 2, message: "carte refusée" },
    });
    // times in nanoseconds, in order: the child inside its parent
    const nanos = (value: unknown) => BigInt(value as string);
    expect(nanos(sentParent!.startTimeUnixNano) % 1000n).toBe(0n);
    expect(nanos(sentParent!.startTimeUnixNano)).toBeLessThanOrEqual(nanos(sentChild!.startTimeUnixNano));
    expect(nanos(sentChild!.endTimeUnixNano)).toBeLessThanOrEqual(nanos(sentParent!.endTimeUnixNano));
    expect(Number(nanos(sentParent!.endTimeUnixNano) / 1_000_000n)).toBeCloseTo(Date.now(), -4);
    await client.shutdown(1);
  });

  it("gzips what it sends when told to", async () => {
    const target = await server();
    const client = builder(target.url).withOtlp().withCompression().build();
    void client.initialize();
    // enough spans for a body above the 1 KiB below which nothing is compressed
    for (let i = 0; i < 20; i++) record(client);
    await client.flush();
    const request = target.received.find((r) => r.url === "/v1/traces")!;
    expect(request.headers["content-encoding"]).toBe("gzip");
    const decoded = decodeRequest("traces", request.body) as {
      resourceSpans: { scopeSpans: { spans: unknown[] }[] }[];
    };
    expect(decoded.resourceSpans[0]!.scopeSpans[0]!.spans).toHaveLength(40);
    expect(client.getStatus()).toMatchObject({ spansSent: 40, failed: 0 });
    await client.shutdown(1);
  });

  it("counts a server that does not answer in time as failed, saying so", async () => {
    const target = await server(() => {
      // never answers
    });
    const client = builder(target.url).withOtlp().withTimeout(200).build();
    void client.initialize();
    record(client);
    await client.flush();
    expect(client.getStatus()).toMatchObject({
      spansSent: 0,
      failed: 2,
      lastError: "/v1/traces: no answer within 200 ms",
    });
    await client.shutdown(1);
  });

  it("retries what the server asks to, after its Retry-After", async () => {
    let refused = 0;
    const target = await server((req, res) => {
      if (req.url === "/v1/traces" && refused++ === 0) return res.writeHead(503, { "retry-after": "0" }).end("busy");
      res.writeHead(200).end();
    });
    const client = builder(target.url).withOtlp().withRetry(true, 2, 1).build();
    void client.initialize();
    record(client);
    await client.flush();
    expect(target.received.filter((r) => r.url === "/v1/traces")).toHaveLength(2);
    expect(client.getStatus()).toMatchObject({ spansSent: 2, failed: 0 });
    await client.shutdown(1);
  });
});

describe("native JSON", () => {
  it("sends each span with its resource, as the spans endpoint reads them", async () => {
    const target = await server();
    const client = builder(target.url).withHttp().build();
    void client.initialize();
    const { parent, child } = record(client);
    await client.flush();

    expect(client.getStatus()).toMatchObject({ spansSent: 2, failed: 0, lastError: null });
    // the last: the first is initialize()'s check of the key, an empty batch
    const request = target.received.findLast((r) => r.url === "/api/v1/spans")!;
    expect(request.headers["content-type"]).toBe("application/json");
    const { spans } = JSON.parse(request.body.toString("utf8")) as { spans: Record<string, unknown>[] };
    const resource = {
      "service.name": "checkout",
      "service.version": "2.1.0",
      "service.namespace": "tracedeck",
      "deployment.environment": "production",
      "telemetry.sdk.name": "tracedeck",
      "telemetry.sdk.language": "nodejs",
      "telemetry.sdk.version": "0.1.0",
      région: "eu-west — 1",
    };
    const time = expect.stringMatching(/^\d{16}000$/) as unknown;
    expect(spans).toEqual([
      {
        trace_id: spans[1]!.trace_id,
        span_id: child,
        parent_span_id: parent,
        name: "charge",
        service_name: "checkout",
        kind: "client",
        status: { code: "error", message: "carte refusée" },
        start_time: time,
        end_time: time,
        attributes: { amount: 12.5 },
        events: [
          {
            name: "exception",
            time_unix_nano: time,
            attributes: {
              "exception.type": "TypeError",
              "exception.message": "carte refusée",
              "exception.stacktrace": expect.stringContaining("TypeError: carte refusée") as unknown,
            },
          },
        ],
        resource_attributes: resource,
      },
      {
        trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
        span_id: parent,
        name: "POST /commande",
        service_name: "checkout",
        kind: "server",
        status: { code: "unset" },
        start_time: time,
        end_time: time,
        attributes: { "http.route": "/commande", retries: 0 },
        events: [{ name: "validé ✓", time_unix_nano: time, attributes: { items: 3, express: true } }],
        resource_attributes: resource,
      },
    ]);
    await client.shutdown(1);
  });
});

describe("compression by default", () => {
  it("is on to a remote endpoint and off to one on this machine, unless chosen", () => {
    expect(compresses("auto", "https://tracedeck.example.com")).toBe(true);
    expect(compresses("auto", "http://10.0.0.7:3000")).toBe(true);
    expect(compresses("auto", "collector.internal:4317")).toBe(true);
    expect(compresses("auto", "http://localhost:3000")).toBe(false);
    expect(compresses("auto", "http://127.0.0.1:4318")).toBe(false);
    expect(compresses("auto", "http://[::1]:4318")).toBe(false);
    expect(compresses("auto", "[::1]:4317")).toBe(false);
    expect(compresses("auto", "127.0.0.1:4317")).toBe(false);
    expect(compresses(true, "http://localhost:3000")).toBe(true);
    expect(compresses(false, "https://tracedeck.example.com")).toBe(false);
  });
});
