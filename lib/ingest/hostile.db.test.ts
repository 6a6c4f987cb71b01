import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { createTestProject, openTestDatabase } from "@/db/testing";
import { endpoints } from "@/lib/api/endpoints";
import { insertApiKey } from "@/lib/auth/keys";
import { otlpRoute } from "@/lib/http/otlp";
import { route } from "@/lib/http/route";

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

const DEEP = 20_000;

/** `n` characters from the `range` characters at `base`, in no repeating order. */
function varied(base: number, range: number, n: number): string {
  let x = 12345;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return String.fromCharCode(base + ((x >> 8) % range));
  }).join("");
}

/** Hostile JSON values, as the text put in place of a field. */
const HOSTILE_JSON: { label: string; json: string }[] = [
  { label: "NUL", json: '"\\u0000"' },
  { label: "NUL inside", json: '"a\\u0000b"' },
  { label: "lone surrogate", json: '"\\ud800"' },
  { label: "1,024 two-byte chars", json: JSON.stringify("é".repeat(1024)) },
  { label: "1,024 four-byte chars", json: JSON.stringify("𝕏".repeat(1024)) },
  // varied, so that no compression brings them back under a btree row's size
  { label: "1,024 three-byte chars", json: JSON.stringify(varied(0x4e00, 20_000, 1024)) },
  { label: "1,024 two-byte chars, varied", json: JSON.stringify(varied(0x0400, 1000, 1024)) },
  { label: "100k chars", json: JSON.stringify("x".repeat(100_000)) },
  { label: "empty", json: '""' },
  { label: "1e13", json: "1e13" },
  { label: "1e308", json: "1e308" },
  { label: "-1e308", json: "-1e308" },
  { label: "1e40", json: "1e40" },
  { label: "2^31", json: "2147483648" },
  { label: "2^53+2", json: "9007199254740994" },
  { label: "2^63", json: "9223372036854775808" },
  { label: "2^64 as text", json: '"18446744073709551616"' },
  { label: "int64 max as text", json: '"9223372036854775807"' },
  { label: "-1", json: "-1" },
  { label: "0.5", json: "0.5" },
  { label: "null", json: "null" },
  { label: "true", json: "true" },
  { label: "[]", json: "[]" },
  { label: "{}", json: "{}" },
  { label: `${DEEP}-deep arrays`, json: "[".repeat(DEEP) + "]".repeat(DEEP) },
  { label: `${DEEP}-deep objects with NUL`, json: '{"a":'.repeat(DEEP) + '"\\u0000"' + "}".repeat(DEEP) },
];

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
}

const post = (handler: (request: Request) => Promise<Response>, path: string, body: string) =>
  handler(new Request(`http://localhost${path}`, { method: "POST", headers, body }));

const nativeAccepted = async (response: Response) => ((await response.json()) as { accepted: number }).accepted;

function native(name: keyof typeof endpoints, path: string, key: string, good: Record<string, unknown>): Target {
  const handler = route(endpoints[name] as Parameters<typeof route>[0]);
  return {
    name: `${path} (${key})`,
    good,
    send: (items) => post(handler, path, `{"${key}":[${items.join(",")}]}`),
    accepted: nativeAccepted,
  };
}

/** OTLP/JSON: items are spans, log records or data points of one scope; the answer's rejected count tells. */
function otlp(signal: "traces" | "logs" | "metrics", good: Record<string, unknown>): Target {
  const handler = otlpRoute(signal);
  const resource = '{"attributes":[{"key":"service.name","value":{"stringValue":"fuzz"}}]}';
  const wrap = (items: string): string => {
    if (signal === "traces") return `{"resourceSpans":[{"resource":${resource},"scopeSpans":[{"spans":[${items}]}]}]}`;
    if (signal === "logs") return `{"resourceLogs":[{"resource":${resource},"scopeLogs":[{"logRecords":[${items}]}]}]}`;
    return `{"resourceMetrics":[{"resource":${resource},"scopeMetrics":[{"metrics":[${items}]}]}]}`;
  };
  let sent = 0;
  return {
    name: `/v1/${signal}`,
    refusedWhole: true,
    good,
    send: (items) => {
      sent = items.length;
      return post(handler, `/v1/${signal}`, wrap(items.join(",")));
    },
    accepted: async (response) => {
      const body = (await response.json()) as { partialSuccess?: Record<string, string | number> };
      const rejected = Number(
        Object.entries(body.partialSuccess ?? {}).find(([k]) => k.startsWith("rejected"))?.[1] ?? 0,
      );
      return sent - rejected;
    },
  };
}

const zipkinHandler = route(endpoints.ingestZipkin);

const TARGETS: Target[] = [
  native("ingestSpans", "/api/v1/spans", "spans", {
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
  }),
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
  native("ingestPipelineEvents", "/api/v1/pipeline/events", "events", {
    event_name: "payment.capture",
    task_id: "task-1",
    start_time: T,
    end_time: "2026-01-15T10:00:01.000Z",
    status: "failed",
    error: "card declined",
    retry_count: 2,
    process_id: 1234,
    attributes: { attempt: 3 },
  }),
  native("ingestNetworkOps", "/api/v1/pipeline/network", "operations", {
    task_id: "task-1",
    host: "db.internal",
    port: 5432,
    operation: "query",
    start_time: T,
    end_time: "2026-01-15T10:00:00.250Z",
    bytes_sent: 100,
    bytes_received: 2000,
    error: "timeout",
  }),
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
    send: (items) => post(zipkinHandler, "/api/v2/spans", `[${items.join(",")}]`),
    accepted: nativeAccepted,
  },
  otlp("traces", {
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
  }),
  otlp("logs", {
    timeUnixNano: T_NS,
    observedTimeUnixNano: T_NS,
    severityNumber: 17,
    severityText: "ERROR",
    body: { stringValue: "otlp log" },
    attributes: [{ key: "k", value: { intValue: "5" } }],
    traceId: TRACE,
    spanId: "d7ad6b7169203331",
    flags: 1,
  }),
  otlp("metrics", {
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
  }),
];

/** Every path to a leaf (and to each object and array) of a JSON value. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length ? [prefix] : [];
  if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value))
      out.push(...paths(v, [...prefix, Array.isArray(value) ? Number(k) : k]));
  return out;
}

const MARK = "__HOSTILE__";

/** The item's JSON text with the value at `path` replaced by raw JSON text. */
function mutate(item: unknown, path: (string | number)[], json: string): string {
  const copy = structuredClone(item) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = MARK;
  return JSON.stringify(copy).replace(`"${MARK}"`, () => json);
}

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
