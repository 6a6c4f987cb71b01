import { describe, expect, it } from "vitest";
import { attributeType } from "@/lib/model/attributes";
import { mapLogs, mapMetrics, mapTraces } from "./map";
import { decodeRequest, encodeResponse } from "@/lib/shared/otlp-proto";
import { MalformedOtlp } from "./values";

const kv = (key: string, value: unknown) => ({ key, value });
const resource = { attributes: [kv("service.name", { stringValue: "api" }), kv("host.name", { stringValue: "h1" })] };

describe("attribute values keep their OpenTelemetry type", () => {
  const attributes = [
    kv("s", { stringValue: "text" }),
    kv("b", { boolValue: true }),
    kv("i", { intValue: "42" }),
    kv("bigint", { intValue: "-9223372036854775808" }),
    kv("d", { doubleValue: 0.5 }),
    kv("whole", { doubleValue: 3 }),
    kv("nan", { doubleValue: "NaN" }),
    kv("arr", { arrayValue: { values: [{ intValue: 1 }, { stringValue: "x" }] } }),
    kv("kv", { kvlistValue: { values: [kv("inner", { doubleValue: 1.5 })] } }),
    kv("bytes", { bytesValue: "AAEC" }),
    kv("empty", {}),
  ];
  const { batch } = mapLogs(
    {
      resourceLogs: [
        {
          resource,
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: "1", attributes, body: { kvlistValue: { values: [kv("k", { intValue: 7 })] } } },
              ],
            },
          ],
        },
      ],
    },
    "hex",
    5n,
  );
  const stored = batch.logs![0]!.attributes;

  it("encodes each type so it reads back as that type", () => {
    expect(stored).toEqual({
      s: "text",
      b: true,
      i: 42,
      bigint: { "@int": "-9223372036854775808" },
      d: 0.5,
      whole: { "@double": 3 },
      nan: { "@double": "NaN" },
      arr: [1, "x"],
      kv: { inner: 1.5 },
      bytes: { "@bytes": "AAEC" },
      empty: null,
    });
    const types = Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, attributeType(v)]));
    expect(types).toEqual({
      s: "string",
      b: "bool",
      i: "int",
      bigint: "int",
      d: "double",
      whole: "double",
      nan: "double",
      arr: "array",
      kv: "kvlist",
      bytes: "bytes",
      empty: "empty",
    });
    expect(batch.logs![0]!.body).toEqual({ k: 7 });
    expect(batch.logs![0]!.serviceName).toBe("api");
  });
});

describe("traces", () => {
  const span = (over: Record<string, unknown>) => ({
    traceId: "5b8efff798038103d269b633813fc60c",
    spanId: "eee19b7ec3c1b174",
    name: "op",
    startTimeUnixNano: "1763787600000000001",
    endTimeUnixNano: "1763787600000000002",
    ...over,
  });
  const request = (spans: unknown[]) => ({
    resourceSpans: [{ resource, scopeSpans: [{ scope: { name: "lib", version: "1" }, spans }] }],
  });

  it("keeps dropped counts, trace state and an unset end as the start", () => {
    const { batch, rejected } = mapTraces(
      request([
        span({
          traceState: "vendor=1",
          droppedAttributesCount: 2,
          droppedLinksCount: 1,
          endTimeUnixNano: "0",
          kind: "SPAN_KIND_PRODUCER",
        }),
      ]),
      "hex",
    );
    expect(rejected).toBe(0);
    expect(batch.spans![0]).toMatchObject({
      traceState: "vendor=1",
      dropped: { attributes: 2, links: 1 },
      kind: "producer",
      endTimeUnixNano: 1763787600000000001n,
    });
    expect(batch.spans![0]!.scope).toEqual({ name: "lib", version: "1", attributes: {} });
  });

  it("rejects spans it cannot store and says why", () => {
    const { batch, rejected, reasons } = mapTraces(
      request([
        span({}),
        span({ traceId: "00000000000000000000000000000000" }),
        span({ spanId: "abc" }),
        span({ endTimeUnixNano: "5" }),
      ]),
      "hex",
    );
    expect(batch.spans).toHaveLength(1);
    expect(rejected).toBe(3);
    expect(reasons.join(" ")).toMatch(/trace id.*span id.*ends before/);
  });

  it("reads ids as base64 when the request came as protobuf", () => {
    const { batch } = mapTraces(
      request([
        span({
          traceId: Buffer.from("5b8efff798038103d269b633813fc60c", "hex").toString("base64"),
          spanId: Buffer.from("eee19b7ec3c1b174", "hex").toString("base64"),
        }),
      ]),
      "base64",
    );
    expect(batch.spans![0]!.traceId).toBe("5b8efff798038103d269b633813fc60c");
  });

  it("refuses a request whose structure is wrong", () => {
    expect(() => mapTraces({ resourceSpans: "nope" }, "hex")).toThrow(MalformedOtlp);
    expect(() => mapTraces(request([span({ attributes: [{ key: 7, value: {} }] })]), "hex")).toThrow(/key/);
  });

  it("leaves out an attribute without a key (protobuf's empty default), and keeps the span", () => {
    const { batch } = mapTraces(
      request([span({ attributes: [{ value: { stringValue: "x" } }, { key: "kept", value: { intValue: "1" } }] })]),
      "hex",
    );
    expect(batch.spans).toHaveLength(1);
    expect(Object.keys(batch.spans![0]!.attributes)).toEqual(["kept"]);
  });

  it("keeps an attribute named __proto__ as an attribute, not as the object's prototype", () => {
    const { batch } = mapTraces(
      request([span({ attributes: [kv("__proto__", { stringValue: "x" }), kv("k", { intValue: "1" })] })]),
      "hex",
    );
    const attributes = batch.spans![0]!.attributes;
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    expect(Object.keys(attributes)).toEqual(["__proto__", "k"]);
    expect(JSON.stringify(attributes)).toBe('{"__proto__":"x","k":1}');
  });
});

describe("metrics", () => {
  const metric = (m: Record<string, unknown>) => ({
    resourceMetrics: [{ resource, scopeMetrics: [{ metrics: [m] }] }],
  });

  it("stores summaries with their quantiles", () => {
    const { batch } = mapMetrics(
      metric({
        name: "rpc.latency",
        summary: {
          dataPoints: [
            {
              timeUnixNano: "1763787600000000000",
              count: "10",
              sum: 42,
              quantileValues: [
                { quantile: 0.5, value: 3 },
                { quantile: 0.99, value: 9 },
              ],
            },
          ],
        },
      }),
      "hex",
    );
    expect(batch.metrics![0]).toMatchObject({
      type: "summary",
      count: 10,
      sum: 42,
      distribution: {
        quantile_values: [
          { quantile: 0.5, value: 3 },
          { quantile: 0.99, value: 9 },
        ],
      },
    });
  });

  it("marks monotonic sums as counters with their temporality, and stringifies typed tags", () => {
    const { batch } = mapMetrics(
      metric({
        name: "hits",
        sum: {
          isMonotonic: true,
          aggregationTemporality: 2,
          dataPoints: [
            {
              timeUnixNano: "2",
              startTimeUnixNano: "1",
              asInt: "5",
              attributes: [kv("code", { intValue: 200 }), kv("route", { stringValue: "/" })],
            },
          ],
        },
      }),
      "hex",
    );
    expect(batch.metrics![0]).toMatchObject({
      type: "counter",
      temporality: "cumulative",
      value: 5,
      tags: { code: "200", route: "/" },
      startTime: 1n,
      resourceAttributes: { "host.name": "h1" },
    });
  });

  it("rejects histogram points whose buckets do not fit their bounds, and points without a time", () => {
    const { batch, rejected } = mapMetrics(
      metric({
        name: "h",
        histogram: {
          aggregationTemporality: 1,
          dataPoints: [
            { timeUnixNano: "1", count: "3", explicitBounds: [1, 2], bucketCounts: ["1", "1", "1"] },
            { timeUnixNano: "1", count: "3", explicitBounds: [1, 2], bucketCounts: ["3"] },
            { count: "1" },
          ],
        },
      }),
      "hex",
    );
    expect(batch.metrics).toHaveLength(1);
    expect(batch.metrics![0]).toMatchObject({ bounds: [1, 2], bucketCounts: [1, 1, 1], temporality: "delta" });
    expect(rejected).toBe(2);
  });
});

describe("protobuf", () => {
  it("round-trips partial_success in the export response", () => {
    const bytes = encodeResponse("logs", 3, "bad ids", "protobuf") as Uint8Array;
    expect(bytes.length).toBeGreaterThan(0);
    expect(encodeResponse("logs", 0, "", "protobuf")).toHaveLength(0);
    expect(JSON.parse(encodeResponse("logs", 3, "bad ids", "json") as string)).toEqual({
      partialSuccess: { rejectedLogRecords: "3", errorMessage: "bad ids" },
    });
  });

  it("decodes 64-bit times exactly", () => {
    // ExportLogsServiceRequest { resource_logs { scope_logs { log_records { time_unix_nano: 1763787600123456789 } } } }
    const time = Buffer.alloc(8);
    time.writeBigUInt64LE(1763787600123456789n);
    const record = Buffer.concat([Buffer.from([0x09]), time]);
    const scopeLogs = Buffer.concat([Buffer.from([0x12, record.length]), record]);
    const resourceLogs = Buffer.concat([Buffer.from([0x12, scopeLogs.length]), scopeLogs]);
    const request = Buffer.concat([Buffer.from([0x0a, resourceLogs.length]), resourceLogs]);
    const { batch } = mapLogs(decodeRequest("logs", request), "base64", 0n);
    expect(batch.logs![0]!.timeUnixNano).toBe(1763787600123456789n);
  });
});
