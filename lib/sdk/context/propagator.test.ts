import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, propagation, trace } from "@opentelemetry/api";
import { TraceState as OtelTraceState, W3CTraceContextPropagator } from "@opentelemetry/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HeaderRecord } from "./carrier";
import { W3CTracePropagator } from "./propagator";
import { TraceContext } from "./trace-context";
import { TraceState } from "./trace-state";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const SPAN_ID = "b7ad6b7169203331";
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

const propagator = new W3CTracePropagator();

/** What a receiver learns from the headers, in a form both implementations can be compared on. */
interface Extracted {
  traceparent: string;
  tracestate: string;
}

function ourExtract(headers: HeaderRecord): Extracted | undefined {
  const ctx = propagator.extract(headers);
  return ctx && { traceparent: ctx.toTraceparent(), tracestate: ctx.traceState.serialize() };
}

function otelExtract(headers: HeaderRecord): Extracted | undefined {
  const spanContext = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
  if (!spanContext) return undefined;
  const traceFlags = spanContext.traceFlags.toString(16).padStart(2, "0");
  return {
    traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${traceFlags}`,
    tracestate: spanContext.traceState?.serialize() ?? "",
  };
}

function otelInject(ctx: TraceContext, traceState: string | undefined): HeaderRecord {
  const carrier: HeaderRecord = {};
  const spanContext = {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    traceFlags: ctx.traceFlags,
    traceState: traceState === undefined ? undefined : new OtelTraceState(traceState),
  };
  propagation.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), carrier, defaultTextMapSetter);
  return carrier;
}

function ourInject(ctx: TraceContext): HeaderRecord {
  const carrier: HeaderRecord = {};
  propagator.inject(carrier, ctx);
  return carrier;
}

const members = (count: number) => Array.from({ length: count }, (_, i) => `k${i}=v${i}`).join(",");

beforeAll(() => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});

afterAll(() => {
  propagation.disable();
});

describe("W3CTracePropagator.extract", () => {
  it("reads traceparent and tracestate into a remote context", () => {
    const ctx = propagator.extract({ traceparent: TRACEPARENT, tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE" });
    expect(ctx?.traceId).toBe(TRACE_ID);
    expect(ctx?.spanId).toBe(SPAN_ID);
    expect(ctx?.isRemote).toBe(true);
    expect(ctx?.traceState.get("congo")).toBe("t61rcWkgMzE");
  });

  it("finds headers whatever the case of their names", () => {
    const ctx = propagator.extract({ TraceParent: TRACEPARENT, TRACESTATE: "a=1" });
    expect(ctx?.traceState.serialize()).toBe("a=1");
  });

  it("reads a fetch Headers object", () => {
    const headers = new Headers({ TraceParent: TRACEPARENT, tracestate: "a=1" });
    headers.append("tracestate", "b=2");
    expect(propagator.extract(headers)?.traceState.serialize()).toBe("a=1,b=2");
  });

  it("joins several tracestate values into one list", () => {
    expect(propagator.extract({ traceparent: TRACEPARENT, tracestate: ["a=1", "b=2"] })?.traceState.serialize()).toBe(
      "a=1,b=2",
    );
  });

  it("ignores a request with two traceparent headers, as array values or as spellings in different cases", () => {
    expect(propagator.extract({ traceparent: [TRACEPARENT, TRACEPARENT] })).toBeUndefined();
    expect(propagator.extract({ traceparent: TRACEPARENT, TraceParent: TRACEPARENT })).toBeUndefined();
    // Headers joins repeated values with ", ", which no traceparent parser accepts
    const headers = new Headers();
    headers.append("traceparent", TRACEPARENT);
    headers.append("traceparent", TRACEPARENT);
    expect(propagator.extract(headers)).toBeUndefined();
  });

  it("keeps a one-element traceparent array", () => {
    expect(propagator.extract({ traceparent: [TRACEPARENT] })?.traceId).toBe(TRACE_ID);
  });

  it("returns undefined without a traceparent, and ignores a tracestate on its own", () => {
    expect(propagator.extract({})).toBeUndefined();
    expect(propagator.extract({ traceparent: undefined, tracestate: "a=1" })).toBeUndefined();
    expect(
      propagator.extract({ traceparent: `00-${"0".repeat(32)}-${SPAN_ID}-01`, tracestate: "a=1" }),
    ).toBeUndefined();
  });

  it("keeps the traceparent when the tracestate is discarded", () => {
    const ctx = propagator.extract({ traceparent: TRACEPARENT, tracestate: "a=1,B=2" });
    expect(ctx?.toTraceparent()).toBe(TRACEPARENT);
    expect(ctx?.traceState.size).toBe(0);
  });

  it("drops only the later member of a repeated key, across tracestate headers too", () => {
    const ctx = propagator.extract({ traceparent: TRACEPARENT, tracestate: ["foo=1,bar=2", "foo=3,baz=4"] });
    expect(ctx?.traceState.serialize()).toBe("foo=1,bar=2,baz=4");
  });
});

describe("W3CTracePropagator.inject", () => {
  it("writes the given context", () => {
    const ctx = TraceContext.fromTraceparent(TRACEPARENT, TraceState.parse("a=1"))!;
    expect(ourInject(ctx)).toEqual({ traceparent: TRACEPARENT, tracestate: "a=1" });
  });

  it("writes the current context by default, and nothing outside a trace", () => {
    const carrier: HeaderRecord = {};
    propagator.inject(carrier);
    expect(carrier).toEqual({});
    const ctx = TraceContext.newRoot();
    TraceContext.run(ctx, () => propagator.inject(carrier));
    expect(carrier).toEqual({ traceparent: ctx.toTraceparent() });
  });

  it("replaces an existing header spelled in another case", () => {
    const carrier: HeaderRecord = { TraceParent: "stale", "content-type": "application/json" };
    propagator.inject(carrier, TraceContext.fromTraceparent(TRACEPARENT));
    expect(carrier).toEqual({ traceparent: TRACEPARENT, "content-type": "application/json" });
  });

  it("writes into a fetch Headers object", () => {
    const headers = new Headers({ traceparent: "stale" });
    propagator.inject(headers, TraceContext.fromTraceparent(TRACEPARENT, TraceState.parse("a=1")));
    expect(headers.get("traceparent")).toBe(TRACEPARENT);
    expect(headers.get("tracestate")).toBe("a=1");
  });

  it("round-trips through a carrier", () => {
    const sent = TraceContext.newRoot()
      .child()
      .withTraceState(TraceState.empty.set("tracedeck", "t1").set("other@vendor", "x"));
    const received = propagator.extract(ourInject(sent));
    expect(received?.traceId).toBe(sent.traceId);
    expect(received?.spanId).toBe(sent.spanId);
    expect(received?.traceFlags).toBe(sent.traceFlags);
    expect(received?.traceState.entries()).toEqual(sent.traceState.entries());
  });

  it("names its headers", () => {
    expect(propagator.fields()).toEqual(["traceparent", "tracestate"]);
  });
});

describe("agreement with OpenTelemetry's W3CTraceContextPropagator", () => {
  it.each([
    { rule: "traceparent alone", headers: { traceparent: TRACEPARENT } },
    {
      rule: "with tracestate",
      headers: { traceparent: TRACEPARENT, tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE" },
    },
    {
      rule: "tracestate with whitespace and empty members",
      headers: { traceparent: TRACEPARENT, tracestate: " a=1 ,, b=2\t" },
    },
    { rule: "multi-tenant keys", headers: { traceparent: TRACEPARENT, tracestate: "t1@sys=x,a0_-*/=y" } },
    { rule: "tracestate as two values", headers: { traceparent: TRACEPARENT, tracestate: ["a=1", "b=2"] } },
    { rule: "32 members", headers: { traceparent: TRACEPARENT, tracestate: members(32) } },
    { rule: "empty tracestate", headers: { traceparent: TRACEPARENT, tracestate: "" } },
    { rule: "tracestate without traceparent", headers: { tracestate: "a=1" } },
    {
      rule: "invalid traceparent with tracestate",
      headers: { traceparent: `00-${TRACE_ID}-${SPAN_ID}-1`, tracestate: "a=1" },
    },
    { rule: "later version", headers: { traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01-extra`, tracestate: "a=1" } },
  ])("extracts the same: $rule", ({ headers }) => {
    expect(ourExtract(headers)).toEqual(otelExtract(headers));
  });

  // The spec lets a receiver drop either the offending member or the whole tracestate; we drop
  // the whole list (see TraceState.parse), OpenTelemetry keeps the members it understands.
  it.each([
    { rule: "an invalid member", tracestate: "a=1,BAD=2,c=3", otel: "a=1,c=3" },
    { rule: "a member without =", tracestate: "a=1,b", otel: "a=1" },
  ])("differs on $rule: we discard the whole tracestate", ({ tracestate, otel }) => {
    const headers = { traceparent: TRACEPARENT, tracestate };
    expect(ourExtract(headers)).toEqual({ traceparent: TRACEPARENT, tracestate: "" });
    expect(otelExtract(headers)).toEqual({ traceparent: TRACEPARENT, tracestate: otel });
  });

  // Either is allowed ("vendors MAY also discard duplicate keys"); the W3C suite's own parser keeps the first.
  it("differs on a duplicate key: we keep its first value, OpenTelemetry its last", () => {
    const headers = { traceparent: TRACEPARENT, tracestate: "a=1,b=2,a=3" };
    expect(ourExtract(headers)?.tracestate).toBe("a=1,b=2");
    expect(otelExtract(headers)?.tracestate).toBe("a=3,b=2");
  });

  // The spec says a tracestate of more than 32 members MUST be discarded; OpenTelemetry keeps the first 32.
  it("differs on 33 members: the spec requires discarding, OpenTelemetry truncates", () => {
    const headers = { traceparent: TRACEPARENT, tracestate: members(33) };
    expect(ourExtract(headers)?.tracestate).toBe("");
    expect(otelExtract(headers)?.tracestate).toBe(members(32));
  });

  // Two traceparent headers leave the parent ambiguous (the W3C test suite expects a new trace);
  // OpenTelemetry takes the first.
  it("differs on two traceparent values: we ignore both, OpenTelemetry takes the first", () => {
    const headers = { traceparent: [TRACEPARENT, `00-${TRACE_ID}-${"1".repeat(16)}-01`] };
    expect(ourExtract(headers)).toBeUndefined();
    expect(otelExtract(headers)?.traceparent).toBe(TRACEPARENT);
  });

  it.each([
    { rule: "sampled", traceparent: TRACEPARENT, tracestate: undefined },
    { rule: "not sampled", traceparent: `00-${TRACE_ID}-${SPAN_ID}-00`, tracestate: undefined },
    { rule: "random-trace-id flag", traceparent: `00-${TRACE_ID}-${SPAN_ID}-03`, tracestate: undefined },
    { rule: "with tracestate", traceparent: TRACEPARENT, tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE" },
    { rule: "with 32 members", traceparent: TRACEPARENT, tracestate: members(32) },
  ])("injects the same: $rule", ({ traceparent, tracestate }) => {
    const ctx = TraceContext.fromTraceparent(
      traceparent,
      tracestate === undefined ? undefined : TraceState.parse(tracestate),
    )!;
    expect(ourInject(ctx)).toEqual(otelInject(ctx, tracestate));
  });

  it("injects the same for a new root and its child", () => {
    const root = TraceContext.newRoot();
    for (const ctx of [root, root.child(), TraceContext.newRoot({ sampled: false })]) {
      expect(ourInject(ctx)).toEqual(otelInject(ctx, undefined));
    }
  });

  // Level 2 reserves every flag but sampled and random, and senders must set the rest to zero;
  // OpenTelemetry sends them on, and from 0x10 up as "0" + the flags in hex, three characters that
  // every receiver (OpenTelemetry included) rejects.
  it.each([
    { received: "05", ours: "01", otel: "05" },
    { received: "ff", ours: "03", otel: "0ff" },
  ])(
    "differs on reserved flags: $received is sent on as $ours, by OpenTelemetry as $otel",
    ({ received, ours, otel }) => {
      const ctx = TraceContext.fromTraceparent(`00-${TRACE_ID}-${SPAN_ID}-${received}`)!;
      expect(ourInject(ctx).traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-${ours}`);
      expect(otelInject(ctx, undefined).traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-${otel}`);
    },
  );

  // The spec asks senders to avoid empty tracestate headers; OpenTelemetry sends one when the
  // span has an empty trace state.
  it("differs on an empty trace state: we send no tracestate header", () => {
    const ctx = TraceContext.fromTraceparent(TRACEPARENT)!;
    expect(ourInject(ctx)).toEqual({ traceparent: TRACEPARENT });
    expect(otelInject(ctx, "")).toEqual({ traceparent: TRACEPARENT, tracestate: "" });
  });

  // Over 512 characters the spec drops members from the end, large ones first; OpenTelemetry's
  // `set` instead refuses the new member, which belongs at the front.
  it("differs past 512 characters: we drop the oldest member, OpenTelemetry the newest", () => {
    const value = "x".repeat(200);
    let ours = TraceState.empty;
    let otel = new OtelTraceState();
    for (const key of ["a", "b", "c"]) {
      ours = ours.set(key, value);
      otel = otel.set(key, value);
    }
    expect(ours.serialize()).toBe(`c=${value},b=${value}`);
    expect(otel.serialize()).toBe(`b=${value},a=${value}`);
  });

  // OpenTelemetry's `set` does not count members, so it can send 33, which the receiver must discard whole.
  it("differs past 32 members: we send the 32 newest, OpenTelemetry all of them", () => {
    let ours = TraceState.empty;
    let otel = new OtelTraceState();
    for (let i = 0; i < 33; i++) {
      ours = ours.set(`k${i}`, "v");
      otel = otel.set(`k${i}`, "v");
    }
    expect(ours.serialize().split(",")).toHaveLength(32);
    expect(ours.serialize().startsWith("k32=v,")).toBe(true);
    expect(otel.serialize().split(",")).toHaveLength(33);
  });
});
