import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { RANDOM_FLAG, SAMPLED_FLAG, TraceContext } from "./trace-context";
import { TraceState } from "./trace-state";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const SPAN_ID = "b7ad6b7169203331";

describe("TraceContext.newRoot", () => {
  it("makes random, valid, distinct ids", () => {
    const roots = Array.from({ length: 200 }, () => TraceContext.newRoot());
    for (const root of roots) {
      expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(root.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(root.traceId).not.toBe("0".repeat(32));
      expect(root.spanId).not.toBe("0".repeat(16));
      expect(root.parentSpanId).toBeUndefined();
      expect(root.isRemote).toBe(false);
    }
    expect(new Set(roots.map((root) => root.traceId)).size).toBe(200);
    expect(new Set(roots.map((root) => root.spanId)).size).toBe(200);
  });

  it("is sampled unless told otherwise, and says its trace id is random", () => {
    expect(TraceContext.newRoot().traceFlags).toBe(SAMPLED_FLAG | RANDOM_FLAG);
    expect(TraceContext.newRoot().toTraceparent()).toMatch(/-03$/);
    expect(TraceContext.newRoot({ sampled: false }).sampled).toBe(false);
    expect(TraceContext.newRoot({ sampled: false }).toTraceparent()).toMatch(/-02$/);
  });
});

describe("TraceContext.toTraceparent", () => {
  it.each([
    { received: "ff", sent: "03" },
    { received: "fc", sent: "00" },
    { received: "06", sent: "02" },
    { received: "81", sent: "01" },
    { received: "03", sent: "03" },
  ])("sends only the sampled and random flags: $received is sent on as $sent", ({ received, sent }) => {
    const remote = TraceContext.fromTraceparent(`00-${TRACE_ID}-${SPAN_ID}-${received}`)!;
    expect(remote.toTraceparent()).toBe(`00-${TRACE_ID}-${SPAN_ID}-${sent}`);
    expect(remote.child().toTraceparent()).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-${sent}$`));
  });

  it("clears reserved flags given to the constructor too", () => {
    expect(new TraceContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0x84 }).toTraceparent()).toBe(
      `00-${TRACE_ID}-${SPAN_ID}-00`,
    );
  });
});

describe("TraceContext.child", () => {
  it("keeps the trace, flags and trace state, with a new span whose parent is this span", () => {
    const traceState = TraceState.parse("vendor=x")!;
    const remote = TraceContext.fromTraceparent(`00-${TRACE_ID}-${SPAN_ID}-03`, traceState)!;
    const child = remote.child();
    expect(child.traceId).toBe(TRACE_ID);
    expect(child.spanId).not.toBe(SPAN_ID);
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.parentSpanId).toBe(SPAN_ID);
    expect(child.traceFlags).toBe(3);
    expect(child.traceState).toBe(traceState);
    expect(child.isRemote).toBe(false);
    expect(child.child().parentSpanId).toBe(child.spanId);
  });
});

describe("TraceContext is immutable", () => {
  it("rejects changes to its fields", () => {
    const ctx = TraceContext.newRoot() as { traceId: string };
    expect(() => {
      ctx.traceId = TRACE_ID;
    }).toThrow(TypeError);
  });

  it("withTraceState returns a new context for the same span", () => {
    const ctx = TraceContext.newRoot().child();
    const updated = ctx.withTraceState(ctx.traceState.set("vendor", "v"));
    expect(updated.traceState.serialize()).toBe("vendor=v");
    expect(ctx.traceState.serialize()).toBe("");
    expect([updated.traceId, updated.spanId, updated.parentSpanId, updated.traceFlags]).toEqual([
      ctx.traceId,
      ctx.spanId,
      ctx.parentSpanId,
      ctx.traceFlags,
    ]);
  });

  it.each([
    { field: "trace id", fields: { traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID } },
    { field: "all-zero trace id", fields: { traceId: "0".repeat(32), spanId: SPAN_ID } },
    { field: "span id", fields: { traceId: TRACE_ID, spanId: "abc" } },
    { field: "all-zero span id", fields: { traceId: TRACE_ID, spanId: "0".repeat(16) } },
    { field: "parent span id", fields: { traceId: TRACE_ID, spanId: SPAN_ID, parentSpanId: "0".repeat(16) } },
    { field: "flags above one byte", fields: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 256 } },
    { field: "fractional flags", fields: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1.5 } },
  ])("the constructor refuses an invalid $field", ({ fields }) => {
    expect(() => new TraceContext(fields)).toThrow(RangeError);
  });
});

describe("the current context", () => {
  it("is undefined outside any trace", () => {
    expect(TraceContext.get()).toBeUndefined();
  });

  it("run makes the context current inside fn only and returns what fn returns", async () => {
    const ctx = TraceContext.newRoot();
    expect(TraceContext.run(ctx, () => TraceContext.get())).toBe(ctx);
    expect(TraceContext.get()).toBeUndefined();
    const seen = await TraceContext.run(ctx, async () => {
      await sleep(1);
      return TraceContext.get();
    });
    expect(seen).toBe(ctx);
    expect(TraceContext.get()).toBeUndefined();
  });

  it("run nests and restores the outer context", () => {
    const outer = TraceContext.newRoot();
    const inner = outer.child();
    TraceContext.run(outer, () => {
      TraceContext.run(inner, () => expect(TraceContext.get()).toBe(inner));
      expect(TraceContext.get()).toBe(outer);
    });
  });

  it("run restores the outer context when fn throws", () => {
    const outer = TraceContext.newRoot();
    TraceContext.run(outer, () => {
      expect(() =>
        TraceContext.run(outer.child(), () => {
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect(TraceContext.get()).toBe(outer);
    });
  });

  it("set and clear change the current context", () => {
    const ctx = TraceContext.newRoot();
    TraceContext.set(ctx);
    expect(TraceContext.get()).toBe(ctx);
    TraceContext.clear();
    expect(TraceContext.get()).toBeUndefined();
  });

  it("set inside run does not outlive run", () => {
    const outer = TraceContext.newRoot();
    TraceContext.run(outer, () => {
      TraceContext.run(outer.child(), () => TraceContext.set(TraceContext.newRoot()));
      expect(TraceContext.get()).toBe(outer);
    });
  });

  it("run with the caller's own context still gives fn a scope that set does not leave", async () => {
    const outer = TraceContext.newRoot();
    await TraceContext.run(outer, async () => {
      TraceContext.run(outer, () => TraceContext.set(outer.child()));
      expect(TraceContext.get()).toBe(outer);
      await TraceContext.run(outer, async () => {
        TraceContext.set(outer.child());
        await sleep(1);
      });
      expect(TraceContext.get()).toBe(outer);
    });
  });
});

describe("set does not reach the caller across an await", () => {
  const handled = async (request: TraceContext) => {
    await sleep(1);
    TraceContext.set(request.child());
    await sleep(1);
    return TraceContext.get();
  };

  it("when the awaited async function called set after its first await", async () => {
    const caller = TraceContext.newRoot();
    const request = TraceContext.newRoot();
    await TraceContext.run(caller, async () => {
      const inside = await handled(request);
      expect(inside?.parentSpanId).toBe(request.spanId);
      expect(TraceContext.get()).toBe(caller);
    });
  });

  it("when the caller is outside any trace", async () => {
    const inside = await handled(TraceContext.newRoot());
    expect(inside).toBeDefined();
    expect(TraceContext.get()).toBeUndefined();
  });

  it("when the awaited function ran through run, wherever it called set", async () => {
    const caller = TraceContext.newRoot();
    const request = TraceContext.newRoot();
    await TraceContext.run(caller, async () => {
      const inside = await TraceContext.run(request, async () => {
        TraceContext.set(request.child());
        await sleep(1);
        return TraceContext.get();
      });
      expect(inside?.parentSpanId).toBe(request.spanId);
      expect(TraceContext.get()).toBe(caller);
    });
  });

  it("when each of 50 concurrent awaited tasks called set", async () => {
    const caller = TraceContext.newRoot();
    await TraceContext.run(caller, async () => {
      const requests = Array.from({ length: 50 }, () => TraceContext.newRoot());
      const seen = await Promise.all(requests.map(handled));
      seen.forEach((inside, i) => expect(inside?.parentSpanId).toBe(requests[i]!.spanId));
      expect(TraceContext.get()).toBe(caller);
    });
  });

  // The limit documented on `set`: before its first await an async function still runs in its
  // caller's execution, and AsyncLocalStorage cannot tell the two apart. If Node ever can, this
  // test fails and set's documentation and the README's trace context section can drop the caveat.
  it("but set before an async function's first await still reaches its caller: the documented limit", async () => {
    const caller = TraceContext.newRoot();
    const request = TraceContext.newRoot();
    await TraceContext.run(caller, async () => {
      await (async () => {
        TraceContext.set(request);
        await sleep(1);
      })();
      expect(TraceContext.get()).toBe(request);
    });
  });

  it("each of 100 concurrent tasks sees its own context across awaits and timers", async () => {
    const roots = Array.from({ length: 100 }, () => TraceContext.newRoot());
    const results = await Promise.all(
      roots.map((root, i) =>
        TraceContext.run(root, async () => {
          const seen: (TraceContext | undefined)[] = [];
          // uneven delays make the tasks' steps interleave
          await sleep((i * 7) % 5);
          seen.push(TraceContext.get());
          await Promise.resolve();
          seen.push(TraceContext.get());
          await new Promise<void>((resolve) => setTimeout(resolve, (i * 3) % 4));
          seen.push(TraceContext.get());
          return seen;
        }),
      ),
    );
    results.forEach((seen, i) => expect(seen).toEqual([roots[i], roots[i], roots[i]]));
  });

  it("set in one concurrent task does not leak into another", async () => {
    const roots = Array.from({ length: 100 }, () => TraceContext.newRoot());
    const results = await Promise.all(
      roots.map((root, i) =>
        TraceContext.run(root, async () => {
          await sleep(i % 3);
          const child = root.child();
          TraceContext.set(child);
          await sleep((i * 5) % 4);
          return { child, seen: TraceContext.get() };
        }),
      ),
    );
    for (const { child, seen } of results) expect(seen).toBe(child);
    expect(TraceContext.get()).toBeUndefined();
  });

  it("follows into timers, promise callbacks and microtasks", async () => {
    const ctx = TraceContext.newRoot();
    const seen = await TraceContext.run(ctx, () =>
      Promise.all([
        new Promise((resolve) => setTimeout(() => resolve(TraceContext.get()), 2)),
        new Promise((resolve) => setImmediate(() => resolve(TraceContext.get()))),
        new Promise((resolve) => queueMicrotask(() => resolve(TraceContext.get()))),
        Promise.resolve().then(() => TraceContext.get()),
      ]),
    );
    expect(seen).toEqual([ctx, ctx, ctx, ctx]);
  });

  it("EventEmitter listeners run in the context of the code that emits", () => {
    const emitter = new EventEmitter();
    const seen: (TraceContext | undefined)[] = [];
    const registeredIn = TraceContext.newRoot();
    TraceContext.run(registeredIn, () => emitter.on("request", () => seen.push(TraceContext.get())));
    const emittedIn = TraceContext.newRoot();
    TraceContext.run(emittedIn, () => emitter.emit("request"));
    emitter.emit("request");
    expect(seen).toEqual([emittedIn, undefined]);
  });

  it("a listener emitted later from a timer still sees the context the timer was set in", async () => {
    const emitter = new EventEmitter();
    const ctx = TraceContext.newRoot();
    const heard = new Promise<TraceContext | undefined>((resolve) =>
      emitter.once("done", () => resolve(TraceContext.get())),
    );
    TraceContext.run(ctx, () => setTimeout(() => emitter.emit("done"), 1));
    expect(await heard).toBe(ctx);
  });
});
