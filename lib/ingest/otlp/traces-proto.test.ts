import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { storable } from "@/lib/http/body";
import { decodeRequest, encodeRequest } from "@/lib/shared/otlp-proto";
import { generator, mutateBytes } from "@/lib/testing/fuzz";
import { mapTraces, type Mapped } from "./map";
import { decodeTraces } from "./traces-proto";

// decodeTraces reads OTLP/protobuf traces straight into span records; it must give what the general path gives
// (protobufjs's plain objects, cleaned by storable, mapped by mapTraces): the same spans, rejected for the same
// reasons, malformed requests refused alike.

type Outcome = { ok: true; mapped: Mapped } | { ok: false; error: unknown };

function run(fn: () => Mapped): Outcome {
  try {
    return { ok: true, mapped: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

const general = (bytes: Uint8Array) =>
  run(() => mapTraces(storable(decodeRequest("traces", bytes)) as never, "base64"));
const direct = (bytes: Uint8Array) => run(() => decodeTraces(bytes));

/** Both paths agree on `bytes`: the same records, or both refuse. */
function expectSame(bytes: Uint8Array): Outcome {
  const expected = general(bytes);
  const actual = direct(bytes);
  if (!expected.ok) {
    expect(actual.ok, `the general path refused it: ${(expected.error as Error).message}`).toBe(false);
    expect((actual as { error: unknown }).error).toBeInstanceOf(Error);
  } else {
    expect(actual.ok ? actual.mapped : (actual.error as Error).message).toStrictEqual(expected.mapped);
  }
  return expected;
}

const hex = (n: number, bytes: number) => Buffer.from(n.toString(16).padStart(bytes * 2, "0"), "hex");
const T = 1_790_000_000_000_000_000n;

function span(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId: hex(1000 + Math.floor(i / 4), 16),
    spanId: hex(5000 + i, 8),
    ...(i % 4 ? { parentSpanId: hex(5000 + i - (i % 4), 8) } : {}),
    name: `op ${i}`,
    kind: i % 6,
    startTimeUnixNano: String(T + BigInt(i) * 1000n),
    endTimeUnixNano: String(T + BigInt(i) * 1000n + 500n),
    attributes: [
      { key: "s", value: { stringValue: `v${i}` } },
      { key: "i", value: { intValue: String(i * 1_000_000_007) } },
      { key: "d", value: { doubleValue: i / 3 } },
      { key: "b", value: { boolValue: i % 2 === 0 } },
    ],
    status: { code: i % 3, ...(i % 3 === 2 ? { message: "failed" } : {}) },
    ...extra,
  };
}

const request = (spans: Record<string, unknown>[], resource: Record<string, unknown> | undefined = svc("api")) =>
  encodeRequest("traces", {
    resourceSpans: [
      { ...(resource ? { resource } : {}), scopeSpans: [{ scope: { name: "lib", version: "1.0" }, spans }] },
    ],
  });

function svc(name: string): Record<string, unknown> {
  return { attributes: [{ key: "service.name", value: { stringValue: name } }] };
}

/** `bytes` with the first run of `from` replaced by `to`, byte for byte */
function replaced(bytes: Uint8Array, from: string, to: number[]): Uint8Array {
  const out = Buffer.from(bytes);
  const at = out.indexOf(Buffer.from(from));
  if (at < 0 || to.length !== from.length) throw new Error(`no ${from} to replace`);
  Buffer.from(to).copy(out, at);
  return out;
}

describe("OTLP/protobuf traces read straight into span records", () => {
  it("gives what the general path gives for ordinary requests", () => {
    const bytes = encodeRequest("traces", {
      resourceSpans: ["api", "web", "db"].map((name, r) => ({
        resource: svc(name),
        scopeSpans: [
          { scope: { name: "a" }, spans: Array.from({ length: 20 }, (_, i) => span(r * 100 + i)) },
          { spans: [span(r * 100 + 50)] },
        ],
      })),
    });
    const { mapped } = expectSame(bytes) as { mapped: Mapped };
    expect(mapped.batch.spans).toHaveLength(63);
  });

  it("agrees on every value an attribute can hold", () => {
    const values: Record<string, unknown>[] = [
      { stringValue: "" },
      { stringValue: "nul \u0000 inside" },
      { boolValue: false },
      { intValue: "-9223372036854775808" },
      { intValue: "9007199254740993" },
      { doubleValue: Number.NaN },
      { doubleValue: Number.POSITIVE_INFINITY },
      { doubleValue: 2 },
      { bytesValue: Buffer.from([0, 1, 2, 255]) },
      {},
      { arrayValue: { values: [{ stringValue: "a" }, { intValue: "1" }, {}, { arrayValue: {} }] } },
      { kvlistValue: { values: [{ key: "k", value: { kvlistValue: { values: [{ key: "x" }] } } }, { key: "" }] } },
      // several members of the oneof on the wire
      { intValue: "5", stringValue: "both" },
      { doubleValue: 1.5, bytesValue: Buffer.from("x") },
    ];
    expectSame(
      request([
        span(1, {
          attributes: [
            ...values.map((value, i) => ({ key: `k${i}`, value })),
            { key: "no value" },
            { key: "", value: { stringValue: "no key" } },
            { key: "dup", value: { stringValue: "first" } },
            { key: "dup", value: { stringValue: "second" } },
            { key: "__proto__", value: { stringValue: "kept as a key" } },
          ],
        }),
      ]),
    );
  });

  it("agrees on events, links, flags, dropped counts, kinds and statuses", () => {
    expectSame(
      request([
        span(1, {
          events: [
            { timeUnixNano: String(T + 10n), name: "e", attributes: [{ key: "a", value: { stringValue: "b" } }] },
            { droppedAttributesCount: 3 },
          ],
          links: [
            { traceId: hex(7, 16), spanId: hex(8, 8), traceState: "k=v", flags: 1, droppedAttributesCount: 2 },
            { traceId: Buffer.alloc(3), spanId: Buffer.alloc(8) },
            {},
          ],
          flags: 257,
          droppedAttributesCount: 1,
          droppedEventsCount: 2,
          droppedLinksCount: 0,
          traceState: "a=1",
        }),
        span(2, { kind: -3, status: { code: 7 } }),
        span(3, { kind: 99, status: {} }),
        span(4, { endTimeUnixNano: "0", flags: 0 }),
      ]),
    );
  });

  it("rejects the same spans for the same reasons, in the same order", () => {
    const { mapped } = expectSame(
      request([
        span(1, { traceId: Buffer.alloc(0) }),
        span(2, { traceId: Buffer.alloc(16) }),
        span(3, { spanId: hex(1, 4) }),
        span(4, { parentSpanId: hex(1, 16) }),
        span(5, { startTimeUnixNano: "0" }),
        span(6, { startTimeUnixNano: "18446744073709551615" }),
        span(7, { endTimeUnixNano: String(T) }),
        span(8),
      ]),
    ) as { mapped: Mapped };
    expect(mapped.rejected).toBe(7);
    expect(mapped.batch.spans).toHaveLength(1);
  });

  it("agrees without a resource, a scope or a service name, and with strings that are not UTF-8", () => {
    expectSame(request([span(1)], undefined));
    expectSame(request([span(1)], { attributes: [{ key: "service.name", value: { intValue: "3" } }] }));
    expectSame(encodeRequest("traces", { resourceSpans: [{ scopeSpans: [{ spans: [span(2)] }] }, {}] }));
    // a name whose bytes are broken UTF-8, and a lone surrogate's encoding
    expectSame(replaced(request([span(1, { name: "ABCD" })]), "ABCD", [0xc3, 0x28, 0xed, 0xa0]));
  });

  it("reads values nested 40 deep, and refuses what nests past protobuf's 100 levels, as the general path does", () => {
    const nested = (levels: number) => {
      let value: Record<string, unknown> = { stringValue: "deep" };
      for (let i = 0; i < levels; i++) value = { arrayValue: { values: [value] } };
      return value;
    };
    expect(expectSame(request([span(1, { attributes: [{ key: "deep", value: nested(40) }] })])).ok).toBe(true);
    // written by hand: protobufjs does not encode past its limit either
    const delimited = (field: number, bytes: Uint8Array) =>
      protobuf.Writer.create()
        .uint32((field << 3) | 2)
        .bytes(bytes)
        .finish();
    let value = delimited(1, Buffer.from("deep"));
    for (let i = 0; i < 70; i++) value = delimited(5, delimited(1, value));
    const spanBytes = Buffer.concat([
      delimited(1, hex(1, 16)),
      delimited(2, hex(2, 8)),
      protobuf.Writer.create()
        .uint32((7 << 3) | 1)
        .fixed64(1_790_000_000)
        .finish(),
      delimited(9, Buffer.concat([delimited(1, Buffer.from("deep")), delimited(2, value)])),
    ]);
    const outcome = expectSame(delimited(1, delimited(2, delimited(2, spanBytes))));
    expect(outcome.ok).toBe(false);
  });

  it("reads byte-mutated requests as the general path does, refused ones aside only where a span is rejected unread", () => {
    const random = generator(11);
    const valid = request(Array.from({ length: 6 }, (_, i) => span(i, { events: [{ name: "e", timeUnixNano: "5" }] })));
    let agreed = 0;
    for (let i = 0; i < 3000; i++) {
      const { body } = mutateBytes(valid, random);
      const expected = general(body);
      const actual = direct(body);
      if (expected.ok) {
        // what the general path reads, this path reads alike
        expect(actual.ok ? actual.mapped : (actual.error as Error).message).toStrictEqual(expected.mapped);
        agreed += 1;
      } else if (actual.ok) {
        // refused by the general path, read here: only when the broken bytes are in a span this path rejects
        // before reading its attributes, events and links (the general path decodes every byte first)
        expect(actual.mapped.rejected).toBeGreaterThan(0);
      }
    }
    expect(agreed).toBeGreaterThan(100);
  });
});
