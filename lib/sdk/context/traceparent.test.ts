import { ROOT_CONTEXT, defaultTextMapGetter, propagation, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RANDOM_FLAG, SAMPLED_FLAG, TraceContext } from "./trace-context";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const SPAN_ID = "b7ad6b7169203331";
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

interface TraceparentCase {
  rule: string;
  header: string;
  /** The parsed fields, or `undefined` when the header must be ignored. */
  expected: { traceId: string; spanId: string; traceFlags: number } | undefined;
}

const parsed = (traceFlags: number, traceId = TRACE_ID, spanId = SPAN_ID) => ({ traceId, spanId, traceFlags });

const TRACEPARENT_CASES: TraceparentCase[] = [
  { rule: "version 00, sampled", header: VALID, expected: parsed(1) },
  { rule: "version 00, not sampled", header: `00-${TRACE_ID}-${SPAN_ID}-00`, expected: parsed(0) },
  { rule: "flags other than sampled are kept", header: `00-${TRACE_ID}-${SPAN_ID}-03`, expected: parsed(3) },
  { rule: "all flag bits set", header: `00-${TRACE_ID}-${SPAN_ID}-ff`, expected: parsed(0xff) },
  { rule: "one leading space (OWS)", header: ` ${VALID}`, expected: parsed(1) },
  { rule: "one trailing tab (OWS)", header: `${VALID}\t`, expected: parsed(1) },
  { rule: "later version, exactly 55 characters", header: `cc-${TRACE_ID}-${SPAN_ID}-01`, expected: parsed(1) },
  {
    rule: "later version, extra fields ignored",
    header: `cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-holds`,
    expected: parsed(1),
  },
  { rule: "later version, empty extra field", header: `01-${TRACE_ID}-${SPAN_ID}-00-`, expected: parsed(0) },
  { rule: "version fe is the last valid one", header: `fe-${TRACE_ID}-${SPAN_ID}-01`, expected: parsed(1) },

  { rule: "empty", header: "", expected: undefined },
  { rule: "version ff is invalid", header: `ff-${TRACE_ID}-${SPAN_ID}-01`, expected: undefined },
  { rule: "version not hex", header: `0g-${TRACE_ID}-${SPAN_ID}-01`, expected: undefined },
  { rule: "version one character", header: `0-${TRACE_ID}-${SPAN_ID}-01`, expected: undefined },
  { rule: "version of three characters", header: `000-${TRACE_ID}-${SPAN_ID}-01`, expected: undefined },
  { rule: "version 00 followed by another character", header: `${VALID}.`, expected: undefined },
  { rule: "version uppercase", header: `0A-${TRACE_ID}-${SPAN_ID}-01`, expected: undefined },
  { rule: "version 00 with an extra field", header: `${VALID}-extra`, expected: undefined },
  { rule: "version 00 with a trailing dash", header: `${VALID}-`, expected: undefined },
  {
    rule: "later version, flags followed by a non-dash",
    header: `cc-${TRACE_ID}-${SPAN_ID}-01.extra`,
    expected: undefined,
  },
  { rule: "later version shorter than 55 characters", header: `cc-${TRACE_ID}-${SPAN_ID}-1`, expected: undefined },
  { rule: "trace id uppercase", header: `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`, expected: undefined },
  { rule: "parent id uppercase", header: `00-${TRACE_ID}-${SPAN_ID.toUpperCase()}-01`, expected: undefined },
  { rule: "flags uppercase", header: `00-${TRACE_ID}-${SPAN_ID}-0A`, expected: undefined },
  { rule: "trace id all zeros", header: `00-${"0".repeat(32)}-${SPAN_ID}-01`, expected: undefined },
  { rule: "parent id all zeros", header: `00-${TRACE_ID}-${"0".repeat(16)}-01`, expected: undefined },
  { rule: "trace id with a non-hex character", header: `00-.${TRACE_ID.slice(1)}-${SPAN_ID}-01`, expected: undefined },
  { rule: "trace id too short", header: `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`, expected: undefined },
  { rule: "trace id too long", header: `00-${TRACE_ID}0-${SPAN_ID}-01`, expected: undefined },
  { rule: "parent id too short", header: `00-${TRACE_ID}-${SPAN_ID.slice(1)}-01`, expected: undefined },
  { rule: "parent id not hex", header: `00-${TRACE_ID}-${SPAN_ID.slice(1)}z-01`, expected: undefined },
  { rule: "flags one character", header: `00-${TRACE_ID}-${SPAN_ID}-1`, expected: undefined },
  { rule: "flags three characters", header: `00-${TRACE_ID}-${SPAN_ID}-011`, expected: undefined },
  { rule: "flags not hex", header: `00-${TRACE_ID}-${SPAN_ID}-0x`, expected: undefined },
  { rule: "wrong separator", header: `00_${TRACE_ID}_${SPAN_ID}_01`, expected: undefined },
  { rule: "two headers joined by a comma", header: `${VALID}, ${VALID}`, expected: undefined },
];

/** What OpenTelemetry's propagator reads from a single `traceparent` header. */
function otelParse(header: string) {
  const extracted = propagation.extract(ROOT_CONTEXT, { traceparent: header }, defaultTextMapGetter);
  const spanContext = trace.getSpanContext(extracted);
  return (
    spanContext && { traceId: spanContext.traceId, spanId: spanContext.spanId, traceFlags: spanContext.traceFlags }
  );
}

function ourParse(header: string) {
  const ctx = TraceContext.fromTraceparent(header);
  return ctx && { traceId: ctx.traceId, spanId: ctx.spanId, traceFlags: ctx.traceFlags };
}

beforeAll(() => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});

afterAll(() => {
  propagation.disable();
});

describe("TraceContext.fromTraceparent", () => {
  it.each(TRACEPARENT_CASES)("$rule", ({ header, expected }) => {
    expect(ourParse(header)).toEqual(expected);
  });

  it("marks the parsed context remote, with the caller's span as its span and no parent", () => {
    const ctx = TraceContext.fromTraceparent(VALID);
    expect(ctx?.isRemote).toBe(true);
    expect(ctx?.spanId).toBe(SPAN_ID);
    expect(ctx?.parentSpanId).toBeUndefined();
    expect(ctx?.sampled).toBe(true);
    expect(TraceContext.fromTraceparent(`00-${TRACE_ID}-${SPAN_ID}-02`)?.sampled).toBe(false);
  });

  it("tolerates any run of spaces and tabs around the header", () => {
    expect(ourParse(`  \t ${VALID} \t `)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
  });

  it("round-trips: a parsed version 00 header is written back unchanged but for reserved flags, which are cleared", () => {
    for (const { header, expected } of TRACEPARENT_CASES) {
      if (expected === undefined || !header.startsWith("00-")) continue;
      const knownFlags = (expected.traceFlags & (SAMPLED_FLAG | RANDOM_FLAG)).toString(16).padStart(2, "0");
      expect(TraceContext.fromTraceparent(header)?.toTraceparent()).toBe(`${header.trim().slice(0, -2)}${knownFlags}`);
    }
  });

  it("writes a later version's header back as version 00 without its extra fields", () => {
    const ctx = TraceContext.fromTraceparent(`cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-holds`);
    expect(ctx?.toTraceparent()).toBe(VALID);
  });
});

describe("traceparent parsing agrees with OpenTelemetry's W3CTraceContextPropagator", () => {
  it.each(TRACEPARENT_CASES)("$rule", ({ header }) => {
    expect(ourParse(header)).toEqual(otelParse(header));
  });

  // OpenTelemetry allows a single whitespace character of any kind at each end (its regex uses
  // `\s?`); HTTP's OWS is any run of spaces and tabs, and nothing else.
  it("differs on more than one space around the header: OWS allows any run, OpenTelemetry one character", () => {
    const header = `  ${VALID}  `;
    expect(ourParse(header)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    expect(otelParse(header)).toBeUndefined();
  });

  it("differs on a newline around the header: not OWS, though OpenTelemetry's `\\s` accepts it", () => {
    const header = `${VALID}\n`;
    expect(ourParse(header)).toBeUndefined();
    expect(otelParse(header)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
  });
});
