import { describe, expect, it } from "vitest";
import { decodeRequest } from "../../shared/otlp-proto";
import { traceRequestEncoder } from "./otlp-encode";
import type { SpanData } from "./records";

// What the encoder writes, read back with the OTLP definitions the server decodes with (lib/shared/otlp-proto.ts):
// every field of every span, compared with what was recorded.

const base64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");
const nanos = (micros: number) => (BigInt(micros) * 1000n).toString();

const resource = {
  "service.name": "checkout",
  "service.version": "2.1.0",
  "deployment.environment": "staging — eu",
  "telemetry.sdk.language": "nodejs",
  empty: "",
};
const scope = { name: "tracedeck-sdk", version: "0.1.0" };

const root: SpanData = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  name: "POST /commande/ünïcode ✓",
  kind: "server",
  startMicros: 1_700_000_000_123_456,
  endMicros: 1_700_000_000_987_654,
  attributes: {
    "http.request.method": "POST",
    "http.route": "/orders/{id}",
    "http.response.status_code": 500,
    "retry.count": 0,
    "balance.delta": -7,
    ratio: 0.25,
    huge: 2 ** 60,
    "not.an.int64": 2 ** 70,
    "ledger.id": 9_007_199_254_740_993n,
    "negative.big": -(2n ** 40n),
    "cache.hit": false,
    "user_agent.synthetic": true,
    "empty.string": "",
    名前: "値 🚀",
    tags: ["a", "", "ü"],
    codes: [200, -1, 2.5, true],
    "nothing.in.it": [],
    nested: { level: 2, inner: { deep: "yes" } },
    raw: new Uint8Array([0, 1, 254, 255]),
    unset: null,
  },
  events: [
    {
      name: "exception",
      timeMicros: 1_700_000_000_900_000,
      attributes: {
        "exception.type": "TypeError",
        "exception.message": "ça n'a pas marché",
        "exception.stacktrace": "TypeError: ça n'a pas marché\n    at charge (checkout.ts:12:5)",
      },
    },
    { name: "", timeMicros: 1_700_000_000_950_001, attributes: {} },
  ],
  status: { code: "error", message: "paiement refusé — carte expirée" },
};

const child: SpanData = {
  traceId: root.traceId,
  spanId: "b7ad6b7169203331",
  parentSpanId: root.spanId,
  traceState: "vendor=a,other=b",
  name: "SELECT orders",
  kind: "client",
  startMicros: 1_700_000_000_200_000,
  endMicros: 1_700_000_000_300_000,
  attributes: {},
  events: [],
  status: { code: "ok" },
};

const others: SpanData[] = (["internal", "producer", "consumer"] as const).map((kind, i) => ({
  traceId: `${"0".repeat(31)}${i + 1}`,
  spanId: `${"f".repeat(15)}${i}`,
  name: "",
  kind,
  // the low 32 bits of the microseconds times 1000 overflow into the high half here
  startMicros: 2 ** 32 - 1 + i,
  endMicros: 4_102_444_800_000_000 + i,
  attributes: { i },
  events: [],
  status: { code: "unset" },
}));

interface Decoded {
  resourceSpans: {
    resource: { attributes: unknown[]; droppedAttributesCount?: number };
    scopeSpans: { scope: { name: string; version: string }; spans: Record<string, unknown>[] }[];
  }[];
}

const decode = (spans: SpanData[]) =>
  decodeRequest("traces", traceRequestEncoder(resource, scope)(spans)) as unknown as Decoded;

describe("the OTLP trace encoder", () => {
  it("writes one resource and one scope, with the resource's attributes", () => {
    const request = decode([root]);
    expect(request.resourceSpans).toHaveLength(1);
    expect(request.resourceSpans[0]!.resource).toEqual({
      attributes: [
        { key: "service.name", value: { stringValue: "checkout" } },
        { key: "service.version", value: { stringValue: "2.1.0" } },
        { key: "deployment.environment", value: { stringValue: "staging — eu" } },
        { key: "telemetry.sdk.language", value: { stringValue: "nodejs" } },
        { key: "empty", value: { stringValue: "" } },
      ],
    });
    expect(request.resourceSpans[0]!.scopeSpans).toHaveLength(1);
    expect(request.resourceSpans[0]!.scopeSpans[0]!.scope).toEqual(scope);
  });

  it("writes every field of a span, each attribute as the AnyValue of its type", () => {
    const [span] = decode([root]).resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(span).toEqual({
      traceId: base64(root.traceId),
      spanId: base64(root.spanId),
      name: "POST /commande/ünïcode ✓",
      kind: 2,
      startTimeUnixNano: "1700000000123456000",
      endTimeUnixNano: "1700000000987654000",
      attributes: [
        { key: "http.request.method", value: { stringValue: "POST" } },
        { key: "http.route", value: { stringValue: "/orders/{id}" } },
        { key: "http.response.status_code", value: { intValue: "500" } },
        { key: "retry.count", value: { intValue: "0" } },
        { key: "balance.delta", value: { intValue: "-7" } },
        { key: "ratio", value: { doubleValue: 0.25 } },
        { key: "huge", value: { intValue: "1152921504606846976" } },
        { key: "not.an.int64", value: { doubleValue: 2 ** 70 } },
        { key: "ledger.id", value: { intValue: "9007199254740993" } },
        { key: "negative.big", value: { intValue: "-1099511627776" } },
        { key: "cache.hit", value: { boolValue: false } },
        { key: "user_agent.synthetic", value: { boolValue: true } },
        { key: "empty.string", value: { stringValue: "" } },
        { key: "名前", value: { stringValue: "値 🚀" } },
        {
          key: "tags",
          value: { arrayValue: { values: [{ stringValue: "a" }, { stringValue: "" }, { stringValue: "ü" }] } },
        },
        {
          key: "codes",
          value: {
            arrayValue: {
              values: [{ intValue: "200" }, { intValue: "-1" }, { doubleValue: 2.5 }, { boolValue: true }],
            },
          },
        },
        { key: "nothing.in.it", value: { arrayValue: {} } },
        {
          key: "nested",
          value: {
            kvlistValue: {
              values: [
                { key: "level", value: { intValue: "2" } },
                { key: "inner", value: { kvlistValue: { values: [{ key: "deep", value: { stringValue: "yes" } }] } } },
              ],
            },
          },
        },
        { key: "raw", value: { bytesValue: Buffer.from([0, 1, 254, 255]).toString("base64") } },
        { key: "unset", value: { stringValue: "null" } },
      ],
      events: [
        {
          timeUnixNano: "1700000000900000000",
          name: "exception",
          attributes: [
            { key: "exception.type", value: { stringValue: "TypeError" } },
            { key: "exception.message", value: { stringValue: "ça n'a pas marché" } },
            {
              key: "exception.stacktrace",
              value: { stringValue: "TypeError: ça n'a pas marché\n    at charge (checkout.ts:12:5)" },
            },
          ],
        },
        // an empty name and no attributes: only the time is on the wire, as proto3 leaves defaults out
        { timeUnixNano: "1700000000950001000" },
      ],
      status: { code: 2, message: "paiement refusé — carte expirée" },
    });
    // nothing is dropped or limited, so no dropped counts are written
    for (const field of ["droppedAttributesCount", "droppedEventsCount", "droppedLinksCount", "links", "flags"])
      expect(span).not.toHaveProperty(field);
  });

  it("writes a child's parent and trace state, and every kind and status", () => {
    const sibling: SpanData = { ...child, spanId: "c8ad6b7169203332", traceState: undefined };
    const spans = decode([root, child, ...others, sibling]).resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(spans).toHaveLength(6);
    // a parent without trace state, and trace state only where there is some
    expect(spans[5]).toMatchObject({ parentSpanId: base64(root.spanId), spanId: base64(sibling.spanId) });
    expect(spans[5]).not.toHaveProperty("traceState");
    expect(spans[1]).toEqual({
      traceId: base64(root.traceId),
      spanId: base64(child.spanId),
      parentSpanId: base64(root.spanId),
      traceState: "vendor=a,other=b",
      name: "SELECT orders",
      kind: 3,
      startTimeUnixNano: "1700000000200000000",
      endTimeUnixNano: "1700000000300000000",
      status: { code: 1 },
    });
    expect(spans.slice(2, 5)).toEqual(
      others.map((s, i) => ({
        traceId: base64(s.traceId),
        spanId: base64(s.spanId),
        kind: [1, 4, 5][i],
        startTimeUnixNano: nanos(s.startMicros),
        endTimeUnixNano: nanos(s.endMicros),
        attributes: [{ key: "i", value: { intValue: String(i) } }],
        // an unset status is written, empty, as OpenTelemetry's exporters write it
        status: {},
      })),
    );
  });

  it("writes times exactly, to the nanosecond the microseconds stand for", () => {
    const times = [0, 1, 999_999, 2 ** 32, 2 ** 32 + 1, 1_767_225_600_000_001, 2 ** 52 + 12_345];
    const spans = decode(times.map((t) => ({ ...child, startMicros: t, endMicros: t + 4_294_967 }))).resourceSpans[0]!
      .scopeSpans[0]!.spans;
    expect(spans.map((s) => [s.startTimeUnixNano ?? "0", s.endTimeUnixNano])).toEqual(
      times.map((t) => [nanos(t), nanos(t + 4_294_967)]),
    );
  });

  it("writes a request with no spans, and large batches whole", () => {
    expect(decode([]).resourceSpans[0]!.scopeSpans[0]!.spans ?? []).toEqual([]);
    const many = Array.from({ length: 2000 }, (_, i) => ({ ...root, spanId: i.toString(16).padStart(16, "1") }));
    const spans = decode(many).resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(spans.map((s) => s.spanId)).toEqual(many.map((s) => base64(s.spanId)));
    expect(spans[1999]).toEqual({
      ...decode([root]).resourceSpans[0]!.scopeSpans[0]!.spans[0],
      spanId: base64(many[1999]!.spanId),
    });
  });
});
