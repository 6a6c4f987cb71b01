import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { createTestProject, openTestDatabase } from "@/db/testing";
import { endpoints } from "@/lib/api/endpoints";
import { insertApiKey } from "@/lib/auth/keys";
import { otlpRoute } from "@/lib/http/otlp";
import { route } from "@/lib/http/route";
import { decodeRequest, decodeResponse, encodeRequest } from "@/lib/shared/otlp-proto";
import { DEEP, generator, HOSTILE_JSON, mutate, mutateBytes, paths, varied } from "@/lib/testing/fuzz";

// Ingest bodies fuzzed field by field: every field of a valid item, in turn, replaced by each hostile value, sent
// in a batch beside a valid item. The answer is never a 500, and the valid item is always stored: a hostile item
// is rejected on its own (or stored as it can be), and costs the batch nothing else.

let database: Database;
vi.mock("@/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/db")>()),
  getDatabase: () => Promise.resolve(database),
  getAppDatabase: () => Promise.resolve({ database, reads: database }),
}));

let headers: Record<string, string>;
beforeAll(async () => {
  database = await openTestDatabase();
  const project = await createTestProject(database);
  const key = await insertApiKey(database.db, project.projectId, ["ingest"], "hostile-ingest");
  headers = { authorization: `Bearer ${key.keyId}:${key.secret}`, "content-type": "application/json" };
});
afterAll(async () => {
  await database.close();
});

const T = "2026-01-15T10:00:00.000Z";
const T_NS = "1768471200000000000";
const TRACE = "0af7651916cd43dd8448eb211c80319c";

/** Each ingest endpoint: a valid item, and how a batch of items is sent. */
interface Target {
  name: string;
  good: Record<string, unknown>;
  send: (items: string[]) => Promise<Response>;
  /** how many of a batch's items the answer says were accepted */
  accepted: (response: Response) => Promise<number>;
  /**
   * OTLP: a request that does not follow the protobuf schema (a string where an integer belongs) is refused whole
   * with a 400, as the OTLP specification has it; a request that does, but holds what storage cannot, is not
   */
  refusedWhole?: boolean;
  /** items whose fields are each valid but overflow together (a start near the end of time and a long duration) */
  together?: Record<string, unknown>[];
  /** the body that holds these items */
  bodyOf: (items: string[]) => string;
  /** the body as sent, with the headers given (whole-body fuzzing) */
  sendRaw: (body: Uint8Array | string, headers?: Record<string, string>) => Promise<Response>;
  /** OTLP: the request (in OTLP/JSON's shape) that holds the items, and its signal */
  otlp?: { signal: "traces" | "logs" | "metrics"; wrap: (items: string[]) => string };
}

const post = (
  handler: (request: Request) => Promise<Response>,
  path: string,
  body: Uint8Array | string,
  extra: Record<string, string> = {},
) =>
  handler(
    new Request(`http://localhost${path}`, {
      method: "POST",
      headers: { ...headers, ...extra },
      body: body as BodyInit,
    }),
  );

const nativeAccepted = async (response: Response) => ((await response.json()) as { accepted: number }).accepted;

function native(
  name: keyof typeof endpoints,
  path: string,
  key: string,
  good: Record<string, unknown>,
  together: Record<string, unknown>[] = [],
): Target {
  const handler = route(endpoints[name] as Parameters<typeof route>[0]);
  return {
    name: `${path} (${key})`,
    good,
    together,
    bodyOf: (items) => `{"${key}":[${items.join(",")}]}`,
    send: (items) => post(handler, path, `{"${key}":[${items.join(",")}]}`),
    sendRaw: (body, extra) => post(handler, path, body, extra),
    accepted: nativeAccepted,
  };
}

const SERVICE = '{"attributes":[{"key":"service.name","value":{"stringValue":"fuzz"}}]}';

const RESOURCE_KEYS = {
  traces: ["resourceSpans", "scopeSpans", "spans"],
  logs: ["resourceLogs", "scopeLogs", "logRecords"],
  metrics: ["resourceMetrics", "scopeMetrics", "metrics"],
} as const;

/** An OTLP request (JSON text) of resources, each with the items given in one scope. */
const otlpRequest = (signal: "traces" | "logs" | "metrics", resources: { resource: string; items: string[] }[]) => {
  const [all, scopes, items] = RESOURCE_KEYS[signal];
  const each = resources.map((r) => `{"resource":${r.resource},"${scopes}":[{"${items}":[${r.items.join(",")}]}]}`);
  return `{"${all}":[${each.join(",")}]}`;
};

/** Rejected items, as an OTLP answer's partial success says (JSON, or protobuf). */
async function otlpRejected(signal: "traces" | "logs" | "metrics", response: Response): Promise<number> {
  const body =
    response.headers.get("content-type") === "application/x-protobuf"
      ? decodeResponse(signal, new Uint8Array(await response.arrayBuffer()))
      : ((await response.json()) as Record<string, unknown>);
  const partial = (body.partialSuccess ?? {}) as Record<string, string | number>;
  return Number(Object.entries(partial).find(([k]) => k.startsWith("rejected"))?.[1] ?? 0);
}

/**
 * OTLP/JSON: items are spans, log records or data points of one scope; the answer's rejected count tells. With
 * `resources`, the items fuzzed are resources instead, each sent with one valid item of its own.
 */
function otlp(
  signal: "traces" | "logs" | "metrics",
  good: Record<string, unknown>,
  options: { label?: string; together?: Record<string, unknown>[]; resources?: boolean } = {},
): Target {
  const handler = otlpRoute(signal);
  const item = JSON.stringify(good);
  const wrap = (items: string[]) =>
    otlpRequest(
      signal,
      options.resources ? items.map((resource) => ({ resource, items: [item] })) : [{ resource: SERVICE, items }],
    );
  let sent = 0;
  return {
    name: `/v1/${signal}${options.label ? ` (${options.label})` : ""}`,
    refusedWhole: true,
    good: options.resources ? (JSON.parse(SERVICE) as Record<string, unknown>) : good,
    together: options.together,
    otlp: { signal, wrap },
    bodyOf: wrap,
    send: (items) => {
      sent = items.length;
      return post(handler, `/v1/${signal}`, wrap(items));
    },
    sendRaw: (body, extra) => post(handler, `/v1/${signal}`, body, extra),
    accepted: async (response) => sent - (await otlpRejected(signal, response)),
  };
}

const zipkinHandler = route(endpoints.ingestZipkin);

const TARGETS: Target[] = [
  native(
    "ingestSpans",
    "/api/v1/spans",
    "spans",
    {
      trace_id: TRACE,
      span_id: "b7ad6b7169203331",
      name: "GET /",
      service_name: "api",
      start_time: T,
      duration_ms: 12.5,
      status: "ERROR",
      attributes: { "http.status_code": 500 },
      resource_attributes: { "service.name": "api" },
      events: [{ name: "exception", timestamp: T, attributes: { "exception.message": "boom" } }],
    },
    [
      { name: "ends past the end of time", service_name: "api", start_time: "9999-12-31T23:59:59Z", duration_ms: 9e12 },
      { name: "starts before the epoch", service_name: "api", start_time: "0001-01-01T00:00:00Z", duration_ms: 1 },
    ],
  ),
  native("ingestEvents", "/api/v1/events", "events", {
    name: "deploy",
    timestamp: T,
    service_name: "api",
    attributes: { version: "1.2" },
  }),
  native("ingestLogs", "/api/v1/logs", "logs", {
    timestamp: T,
    severity: "ERROR",
    message: "it broke",
    service_name: "api",
    attributes: { user: "u1" },
  }),
  native("ingestMetrics", "/api/v1/metrics", "metrics", {
    name: "queue.depth",
    value: 3,
    metric_type: "gauge",
    timestamp: T,
    unit: "1",
    tags: { queue: "q1" },
    service_name: "worker",
  }),
  native(
    "ingestPipelineEvents",
    "/api/v1/pipeline/events",
    "events",
    {
      event_name: "payment.capture",
      task_id: "task-1",
      start_time: T,
      end_time: "2026-01-15T10:00:01.000Z",
      status: "failed",
      error: "card declined",
      retry_count: 2,
      process_id: 1234,
      attributes: { attempt: 3 },
    },
    [
      {
        event_name: "e",
        task_id: "t",
        start_time: "1970-01-01T00:00:00Z",
        end_time: "9999-12-31T23:59:59Z",
        status: "ok",
      },
      {
        event_name: "e",
        task_id: "t",
        start_time: "9999-12-31T23:59:59Z",
        end_time: "1970-01-01T00:00:00Z",
        status: "ok",
      },
    ],
  ),
  native(
    "ingestNetworkOps",
    "/api/v1/pipeline/network",
    "operations",
    {
      task_id: "task-1",
      host: "db.internal",
      port: 5432,
      operation: "query",
      start_time: T,
      end_time: "2026-01-15T10:00:00.250Z",
      bytes_sent: 100,
      bytes_received: 2000,
      error: "timeout",
    },
    [
      {
        task_id: "t",
        host: "h",
        port: 1,
        operation: "q",
        start_time: "1970-01-01T00:00:00Z",
        end_time: "9999-12-31T23:59:59Z",
      },
    ],
  ),
  native("ingestPublisherStatus", "/api/v1/publishers/status", "publishers", {
    name: "es-forwarder",
    type: "elasticsearch",
    target: "https://es.example.com:9200",
    state: "failing",
    last_success_at: T,
    last_error: "timeout",
    last_error_at: T,
    sent_count: 10,
    failed_count: 1,
    dropped_count: 0,
    backlog: 5,
  }),
  {
    name: "/api/v2/spans (Zipkin)",
    good: {
      traceId: TRACE,
      id: "c7ad6b7169203331",
      name: "get",
      kind: "SERVER",
      timestamp: 1768471200000000,
      duration: 1500,
      localEndpoint: { serviceName: "zipkin-api", ipv4: "10.0.0.1", port: 8080 },
      tags: { "http.path": "/" },
      annotations: [{ timestamp: 1768471200000100, value: "ws" }],
    },
    together: [
      // each valid on its own: together past what a timestamp holds
      { traceId: TRACE, id: "c7ad6b7169203332", name: "long", timestamp: 1768471200000000, duration: 9e15 },
      { traceId: TRACE, id: "c7ad6b7169203333", name: "late", timestamp: 253402300799000000, duration: 9e15 },
      { traceId: TRACE, id: "c7ad6b7169203334", name: "max", timestamp: Number.MAX_SAFE_INTEGER, duration: 1 },
    ],
    bodyOf: (items) => `[${items.join(",")}]`,
    send: (items) => post(zipkinHandler, "/api/v2/spans", `[${items.join(",")}]`),
    sendRaw: (body, extra) => post(zipkinHandler, "/api/v2/spans", body, extra),
    accepted: nativeAccepted,
  },
  otlp(
    "traces",
    {
      traceId: TRACE,
      spanId: "d7ad6b7169203331",
      name: "otlp-span",
      kind: 2,
      startTimeUnixNano: T_NS,
      endTimeUnixNano: "1768471200500000000",
      attributes: [{ key: "k", value: { stringValue: "v" } }],
      events: [{ timeUnixNano: T_NS, name: "e", attributes: [] }],
      status: { code: 2, message: "bad" },
      flags: 257,
    },
    {
      together: [
        {
          traceId: TRACE,
          spanId: "e7ad6b7169203331",
          name: "backwards",
          startTimeUnixNano: "9223372036854775807",
          endTimeUnixNano: "1",
        },
        {
          traceId: TRACE,
          spanId: "e7ad6b7169203332",
          name: "max",
          startTimeUnixNano: "18446744073709551615",
          endTimeUnixNano: "18446744073709551615",
        },
        { traceId: TRACE, spanId: "e7ad6b7169203333", name: "zero", startTimeUnixNano: "0", endTimeUnixNano: "0" },
      ],
    },
  ),
  otlp(
    "logs",
    {
      timeUnixNano: T_NS,
      observedTimeUnixNano: T_NS,
      severityNumber: 17,
      severityText: "ERROR",
      body: { stringValue: "otlp log" },
      attributes: [{ key: "k", value: { intValue: "5" } }],
      traceId: TRACE,
      spanId: "d7ad6b7169203331",
      flags: 1,
    },
    {
      together: [
        {
          timeUnixNano: "18446744073709551615",
          observedTimeUnixNano: "18446744073709551615",
          body: { stringValue: "max" },
        },
        { timeUnixNano: "0", observedTimeUnixNano: "0", body: { stringValue: "no time" } },
      ],
    },
  ),
  otlp(
    "metrics",
    {
      name: "otlp.latency",
      unit: "ms",
      histogram: {
        aggregationTemporality: 2,
        dataPoints: [
          {
            startTimeUnixNano: T_NS,
            timeUnixNano: "1768471260000000000",
            count: "3",
            sum: 30,
            bucketCounts: ["1", "2"],
            explicitBounds: [10],
            flags: 0,
            attributes: [{ key: "route", value: { stringValue: "/" } }],
          },
        ],
      },
    },
    {
      together: [
        {
          name: "otlp.counts",
          histogram: {
            aggregationTemporality: 2,
            dataPoints: [
              {
                timeUnixNano: T_NS,
                count: "18446744073709551615",
                bucketCounts: ["9223372036854775807", "9223372036854775807"],
                explicitBounds: [1],
              },
            ],
          },
        },
      ],
    },
  ),
  otlp(
    "metrics",
    {
      name: "otlp.gauge",
      unit: "1",
      gauge: {
        dataPoints: [{ timeUnixNano: T_NS, asDouble: 1.5, attributes: [{ key: "q", value: { stringValue: "a" } }] }],
      },
    },
    { label: "gauge" },
  ),
  otlp(
    "metrics",
    {
      name: "otlp.sum",
      sum: {
        aggregationTemporality: 1,
        isMonotonic: true,
        dataPoints: [{ startTimeUnixNano: T_NS, timeUnixNano: "1768471260000000000", asInt: "42" }],
      },
    },
    { label: "sum" },
  ),
  otlp(
    "metrics",
    {
      name: "otlp.exponential",
      exponentialHistogram: {
        aggregationTemporality: 2,
        dataPoints: [
          {
            timeUnixNano: T_NS,
            count: "4",
            sum: 10,
            scale: 2,
            zeroCount: "1",
            positive: { offset: 1, bucketCounts: ["1", "2"] },
            negative: { offset: 0, bucketCounts: [] },
          },
        ],
      },
    },
    { label: "exponential histogram" },
  ),
  otlp(
    "metrics",
    {
      name: "otlp.summary",
      summary: {
        dataPoints: [
          {
            timeUnixNano: T_NS,
            count: "3",
            sum: 6,
            quantileValues: [
              { quantile: 0.5, value: 2 },
              { quantile: 0.99, value: 3 },
            ],
          },
        ],
      },
    },
    { label: "summary" },
  ),
  // the resource, service.name and all, fuzzed: each resource with a valid span, log record or point of its own
  otlp(
    "traces",
    { traceId: TRACE, spanId: "f7ad6b7169203331", name: "r", startTimeUnixNano: T_NS, endTimeUnixNano: T_NS },
    { label: "resource", resources: true },
  ),
  otlp("logs", { timeUnixNano: T_NS, body: { stringValue: "r" } }, { label: "resource", resources: true }),
  otlp(
    "metrics",
    { name: "r", gauge: { dataPoints: [{ timeUnixNano: T_NS, asDouble: 1 }] } },
    { label: "resource", resources: true },
  ),
];

describe("ingest of names indexed together", () => {
  it("stores a network operation whose task id, host and operation fit a btree row together, and refuses one whose do not", async () => {
    const operations = route(endpoints.ingestNetworkOps);
    const op = (bytes: number) => {
      const name = (salt: number) => varied(0x4e00 + salt * 3000, 3000, bytes / 3);
      return { task_id: name(0), host: name(1), operation: name(2), port: 1, start_time: T };
    };
    const response = await post(
      operations,
      "/api/v1/pipeline/network",
      JSON.stringify({ operations: [op(600), op(900)] }),
    );
    expect(await response.json()).toEqual({
      accepted: 1,
      rejected: 1,
      errors: [
        { index: 1, message: "has task_id, host, operation longer than 2048 bytes together (UTF-8): not stored" },
      ],
    });
  });
});

describe.each(TARGETS)("ingest $name, fuzzed field by field", (target) => {
  it("never answers 500, and the valid item beside a hostile one is stored", async () => {
    const good = JSON.stringify(target.good);
    const baseline = await target.send([good]);
    expect(baseline.status, await baseline.clone().text()).toBeLessThan(300);
    expect(await target.accepted(baseline)).toBe(1);
    const failures: string[] = [];
    for (const path of paths(target.good)) {
      for (const { label, json } of HOSTILE_JSON) {
        const response = await target.send([good, mutate(target.good, path, json)]);
        const what = `${target.name} ${path.join(".")} = ${label}`;
        if (response.status >= 500)
          failures.push(`${what}: ${response.status} ${(await response.text()).slice(0, 200)}`);
        else if (response.status >= 300) {
          if (!target.refusedWhole || response.status !== 400)
            failures.push(`${what}: the batch was refused (${response.status})`);
        } else if ((await target.accepted(response)) < 1) failures.push(`${what}: the valid item was lost`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe.each(TARGETS.filter((t) => t.together?.length))(
  "ingest $name, with fields valid alone but not together",
  (target) => {
    it("never answers 500, and the valid item beside such an item is stored", async () => {
      const good = JSON.stringify(target.good);
      const failures: string[] = [];
      for (const item of target.together!) {
        const response = await target.send([good, JSON.stringify(item)]);
        const what = `${target.name} ${JSON.stringify(item).slice(0, 120)}`;
        if (response.status >= 500)
          failures.push(`${what}: ${response.status} ${(await response.text()).slice(0, 200)}`);
        else if (response.status >= 300) failures.push(`${what}: the batch was refused (${response.status})`);
        else if ((await target.accepted(response)) < 1) failures.push(`${what}: the valid item was lost`);
      }
      expect(failures).toEqual([]);
    });
  },
);

describe.each(TARGETS)("ingest $name, fuzzed as a whole body", (target) => {
  it("answers a broken body with a 4xx, never a 500", async () => {
    const body = target.bodyOf([JSON.stringify(target.good)]);
    const random = generator(7);
    const bodies: { label: string; body: Uint8Array | string; headers?: Record<string, string> }[] = [
      { label: "empty", body: "" },
      { label: "null", body: "null" },
      { label: "a number", body: "1e400" },
      { label: "a string", body: '"\\u0000"' },
      { label: "an array of nulls", body: "[null,null]" },
      { label: "an object of the wrong shape", body: '{"resourceSpans":{},"spans":7,"events":"x","logs":null}' },
      { label: "20k-deep nesting", body: "[".repeat(DEEP) + "]".repeat(DEEP) },
      { label: "a byte-order mark", body: `\ufeff${body}` },
      { label: "not UTF-8", body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
      { label: "gzip that is not", body: body, headers: { "content-encoding": "gzip" } },
      { label: "truncated gzip", body: gzipSync(body).subarray(0, 20), headers: { "content-encoding": "gzip" } },
      { label: "an unknown encoding", body, headers: { "content-encoding": "zstd" } },
      { label: "another content type", body, headers: { "content-type": "text/plain" } },
      ...Array.from({ length: 12 }, (_, i) => {
        const at = 1 + random(body.length - 1);
        return { label: `cut at ${at} (${i})`, body: body.slice(0, at) };
      }),
      ...Array.from({ length: 12 }, (_, i) => {
        const at = random(body.length);
        const chars = '{}[]",:\\0e-';
        return {
          label: `a byte changed at ${at} (${i})`,
          body: body.slice(0, at) + chars[random(chars.length)] + body.slice(at + 1),
        };
      }),
    ];
    const failures: string[] = [];
    for (const sent of bodies) {
      const response = await target.sendRaw(sent.body, sent.headers);
      if (response.status >= 500)
        failures.push(`${sent.label}: ${response.status} ${(await response.text()).slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  });
});

/** An OTLP/JSON request as protobufjs takes it: ids are bytes, given as hex in OTLP/JSON. */
function withIdBytes(value: unknown, key = ""): unknown {
  if (typeof value === "string" && /^(traceId|spanId|parentSpanId)$/.test(key) && /^([0-9a-f]{2})*$/i.test(value))
    return Buffer.from(value, "hex");
  if (Array.isArray(value)) return value.map((v) => withIdBytes(v));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withIdBytes(v, k)]));
  return value;
}

/** The protobuf encoding of an OTLP/JSON request, if protobuf can hold what it holds. */
function asProtobuf(signal: "traces" | "logs" | "metrics", json: string): Uint8Array | undefined {
  try {
    return encodeRequest(signal, withIdBytes(JSON.parse(json)) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

const PROTOBUF = { "content-type": "application/x-protobuf" };

const decodes = (signal: "traces" | "logs" | "metrics", bytes: Uint8Array): boolean => {
  try {
    decodeRequest(signal, bytes);
    return true;
  } catch {
    return false;
  }
};

describe.each(TARGETS.filter((t) => t.otlp))("ingest $name over protobuf", (target) => {
  const { signal, wrap } = target.otlp!;

  it("never answers 500 to a field-by-field fuzz, and the valid item beside a hostile one is stored", async () => {
    const good = JSON.stringify(target.good);
    const baseline = await target.sendRaw(asProtobuf(signal, wrap([good]))!, PROTOBUF);
    expect(baseline.status).toBe(200);
    expect(await otlpRejected(signal, baseline)).toBe(0);
    const failures: string[] = [];
    let sent = 0;
    for (const path of paths(target.good)) {
      for (const { label, json } of HOSTILE_JSON) {
        const bytes = asProtobuf(signal, wrap([good, mutate(target.good, path, json)]));
        if (!bytes) continue; // protobuf has no way to say it
        sent++;
        const response = await target.sendRaw(bytes, PROTOBUF);
        const what = `${target.name} ${path.join(".")} = ${label}`;
        if (response.status >= 500)
          failures.push(
            `${what}: ${response.status} ${Buffer.from(await response.arrayBuffer())
              .toString()
              .slice(0, 200)}`,
          );
        else if (response.status >= 300) {
          // a message protobuf cannot decode (a string that is not UTF-8) is refused whole, as OTLP says; no other
          if (response.status !== 400 || decodes(signal, bytes))
            failures.push(
              `${what}: the request was refused (${response.status} ${Buffer.from(await response.arrayBuffer())
                .toString()
                .slice(0, 120)})`,
            );
        } else if (2 - (await otlpRejected(signal, response)) < 1) failures.push(`${what}: the valid item was lost`);
      }
    }
    expect(sent).toBeGreaterThan(50);
    expect(failures).toEqual([]);
  });

  it("answers bytes changed, cut or added with a 4xx or a partial success, never a 500", async () => {
    const bytes = asProtobuf(signal, wrap([JSON.stringify(target.good)]))!;
    const random = generator(11);
    const failures: string[] = [];
    for (let i = 0; i < 150; i++) {
      const { how, body } = mutateBytes(bytes, random);
      const response = await target.sendRaw(body, PROTOBUF);
      if (response.status >= 500) failures.push(`${how} ${body.toString("hex").slice(0, 80)}: ${response.status}`);
    }
    expect(failures).toEqual([]);
  });
});
