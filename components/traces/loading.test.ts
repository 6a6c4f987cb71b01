import { describe, expect, it } from "vitest";
import { connectedSpans, extendShown, snapshotDue } from "./loading";
import { span } from "./span-fixture";

describe("connectedSpans", () => {
  it("keeps the spans whose parents lead to a root, whatever order they came in", () => {
    const spans = [span("c", "b", 2, 3), span("a", null, 0, 10), span("x", "missing", 1, 2), span("b", "a", 1, 5)];
    expect(connectedSpans(spans).map((s) => s.span_id)).toEqual(["c", "a", "b"]);
  });

  it("holds back a parent loop and what hangs below it, and keeps every root", () => {
    const spans = [span("r1", null, 0, 1), span("r2", null, 0, 1), span("p", "q", 0, 1), span("q", "p", 0, 1)];
    expect(connectedSpans(spans).map((s) => s.span_id)).toEqual(["r1", "r2"]);
  });

  it("keeps a 200,000-deep chain without recursion, and a million spans", { timeout: 30_000 }, () => {
    const chain = Array.from({ length: 200_000 }, (_, i) => span(`s${i}`, i === 0 ? null : `s${i - 1}`, i, i + 1));
    expect(connectedSpans(chain)).toHaveLength(200_000);
    const wide = Array.from({ length: 1_000_000 }, (_, i) =>
      span(`w${i}`, i === 0 ? null : `w${Math.floor((i - 1) / 4)}`, 0, 1),
    );
    const started = performance.now();
    expect(connectedSpans(wide)).toHaveLength(1_000_000);
    console.log(`connectedSpans over 1,000,000 spans: ${(performance.now() - started).toFixed(0)} ms`);
  });
});

describe("extendShown", () => {
  it("appends what now hangs together after what is shown, and everything left once the trace is complete", () => {
    const a = span("a", null, 0, 10);
    const b = span("b", "a", 1, 5);
    const c = span("c", "b", 2, 3);
    const orphan = span("o", "never", 1, 2);
    const first = extendShown([], [a, c, orphan], false);
    expect(first.map((s) => s.span_id)).toEqual(["a"]);
    const second = extendShown(first, [a, c, orphan, b], false);
    expect(second.map((s) => s.span_id)).toEqual(["a", "c", "b"]);
    expect(second[0]).toBe(first[0]);
    expect(extendShown(second, [a, c, orphan, b], true).map((s) => s.span_id)).toEqual(["a", "c", "b", "o"]);
  });
});

describe("snapshotDue", () => {
  it("waits for half as many spans again, and takes the last page when the trace is complete", () => {
    expect(snapshotDue(10_000, 12_000, false)).toBe(false);
    expect(snapshotDue(10_000, 15_000, false)).toBe(true);
    expect(snapshotDue(90_000, 100_000, true)).toBe(true);
    expect(snapshotDue(100_000, 100_000, true)).toBe(false);
  });
});
