import { describe, expect, it } from "vitest";
import { largestDifferences, mergeTraces } from "./compare";
import { span } from "./span-fixture";

const op = (name: string, service = "api") => ({ name, service_name: service });

// A: GET /cart (100 ms) → auth (10 ms), db query (30 ms), db query (20 ms)
const a = [
  span("1", null, 0, 100, op("GET /cart")),
  span("2", "1", 0, 10, op("auth")),
  span("3", "1", 10, 40, op("query", "db")),
  span("4", "1", 40, 60, op("query", "db")),
];
// B: GET /cart (250 ms) → auth (10 ms), db query (30 ms), db query (150 ms), cache miss (5 ms, only in B); ids differ
const b = [
  span("a", null, 0, 250, op("GET /cart")),
  span("b", "a", 0, 10, op("auth")),
  span("c", "a", 10, 40, op("query", "db")),
  span("d", "a", 40, 190, op("query", "db")),
  span("e", "a", 190, 195, op("cache get", "redis")),
];

describe("mergeTraces", () => {
  it("matches spans by their place in the tree, and marks those of one trace only", () => {
    const rows = mergeTraces(a, b);
    expect(rows.map((r) => [r.depth, r.service_name, r.name, r.presence, r.a_ms, r.b_ms])).toEqual([
      [0, "api", "GET /cart", "both", 100, 250],
      [1, "api", "auth", "both", 10, 10],
      [1, "db", "query", "both", 30, 30],
      [1, "db", "query", "both", 20, 150],
      [1, "redis", "cache get", "b", null, 5],
    ]);
  });

  it("puts first the spans whose own time explains the difference", () => {
    const top = largestDifferences(mergeTraces(a, b));
    // the second query: +130 ms; the root's own time: 40 → 55 ms (+15); the cache call: +5
    expect(top.map((r) => [r.name, Math.round(r.self_diff_ms)])).toEqual([
      ["query", 130],
      ["GET /cart", 15],
      ["cache get", 5],
    ]);
    // together they make the whole difference of the two durations
    expect(top.reduce((sum, r) => sum + r.self_diff_ms, 0)).toBeCloseTo(150, 6);
  });

  it("keeps a span of A missing from B, and survives orphans and cycles", () => {
    const rows = mergeTraces(
      [
        ...a,
        span("9", "404", 5, 6, op("orphan")),
        span("x", "y", 1, 2, op("loop x")),
        span("y", "x", 1, 2, op("loop y")),
      ],
      b.slice(0, 4),
    );
    // roots by start: the cycle's first span (cut from its parent), then the orphan
    expect(rows.filter((r) => r.presence === "a").map((r) => [r.name, r.depth])).toEqual([
      ["loop x", 0],
      ["loop y", 1],
      ["orphan", 0],
    ]);
    expect(mergeTraces([], b).every((r) => r.presence === "b")).toBe(true);
  });

  it("merges traces tens of thousands of spans deep", () => {
    const chain = (n: number) =>
      Array.from({ length: n }, (_, i) => span(String(i), i ? String(i - 1) : null, i * 0.001, 100, op("step")));
    const rows = mergeTraces(chain(50_000), chain(50_001));
    expect(rows).toHaveLength(50_001);
    expect(rows.at(-1)).toMatchObject({ presence: "b", depth: 50_000 });
  });
});
