import { describe, expect, it } from "vitest";
import type { Span } from "@/components/data/types";
import { ancestors, buildTraceModel, criticalPath, rulerTicks, searchSpans, visibleRows } from "./model";

const T0 = 1_763_800_000_000_000_000n;

function span(id: string, parent: string | null, startMs: number, endMs: number, extra: Partial<Span> = {}): Span {
  const start = T0 + BigInt(Math.round(startMs * 1e6));
  const end = T0 + BigInt(Math.round(endMs * 1e6));
  return {
    trace_id: "a".repeat(32),
    span_id: id,
    parent_span_id: parent,
    name: `op ${id}`,
    service_name: "api",
    kind: "internal",
    status: { code: "unset", message: null },
    start_time: "",
    end_time: "",
    start_time_unix_nano: start.toString(),
    end_time_unix_nano: end.toString(),
    duration_ms: endMs - startMs,
    attributes: {},
    resource_attributes: {},
    events: [],
    links: [],
    scope: null,
    trace_state: null,
    flags: null,
    dropped: null,
    missing_parent: false,
    ...extra,
  };
}

// root 0–100: a 10–40, b 30–90 (b1 35–80 inside b), c 92–95
const spans = [
  span("root", null, 0, 100),
  span("a", "root", 10, 40, { status: { code: "error", message: "boom" } }),
  span("b", "root", 30, 90, { attributes: { "http.route": "/cart" } }),
  span("b1", "b", 35, 80, { service_name: "db" }),
  span("c", "root", 92, 95),
  span("orphan", "gone", 50, 60),
];

describe("trace model", () => {
  const model = buildTraceModel(spans);
  const id = (i: number) => model.nodes[i]!.span.span_id;

  it("builds the tree with depths, children by start, and orphans at the top", () => {
    expect(model.roots.map(id)).toEqual(["root", "orphan"]);
    expect(model.nodes[0]!.children.map(id)).toEqual(["a", "b", "c"]);
    expect(model.nodes[3]!.depth).toBe(2);
    expect(model.durationMs).toBe(100);
    expect(model.nodes[1]!.failed).toBe(true);
  });

  it("lists rows in tree order and hides collapsed subtrees", () => {
    expect(visibleRows(model, new Set()).map(id)).toEqual(["root", "a", "b", "b1", "c", "orphan"]);
    expect(visibleRows(model, new Set([2])).map(id)).toEqual(["root", "a", "b", "c", "orphan"]);
    expect(visibleRows(model, new Set([0])).map(id)).toEqual(["root", "orphan"]);
    expect(ancestors(model, 3).map(id)).toEqual(["b", "root"]);
  });

  it("follows the last-finishing child back from the end for the critical path", () => {
    const segments = criticalPath(model).map((s) => [id(s.index), s.start, s.end]);
    expect(segments).toEqual(
      expect.arrayContaining([
        ["root", 95, 100],
        ["c", 92, 95],
        ["root", 90, 92],
        ["b", 80, 90],
        ["b1", 35, 80],
        ["b", 30, 35],
        ["a", 10, 30],
        ["root", 0, 10],
      ]),
    );
    const total = criticalPath(model).reduce((sum, s) => sum + (s.end - s.start), 0);
    expect(total).toBe(100);
  });

  it("finds spans by name, service, attribute and status message", () => {
    expect(searchSpans(model, "/CART").map(id)).toEqual(["b"]);
    expect(searchSpans(model, "db").map(id)).toEqual(["b1"]);
    expect(searchSpans(model, "boom").map(id)).toEqual(["a"]);
    expect(searchSpans(model, "  ")).toEqual([]);
  });

  it("handles a 100,000-deep chain and a parent cycle without recursion", () => {
    const chain = Array.from({ length: 100_000 }, (_, i) =>
      span(`s${i}`, i === 0 ? null : `s${i - 1}`, i / 1000, 200 - i / 1000),
    );
    const deep = buildTraceModel(chain);
    expect(deep.nodes[99_999]!.depth).toBe(99_999);
    expect(visibleRows(deep, new Set()).length).toBe(100_000);
    expect(criticalPath(deep).length).toBeGreaterThan(0);

    const cycle = buildTraceModel([span("x", "y", 0, 10), span("y", "x", 1, 5)]);
    expect(visibleRows(cycle, new Set()).length).toBe(2);
  });

  it("puts ruler ticks on round numbers", () => {
    expect(rulerTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(rulerTicks(3, 8.5, 5)).toEqual([4, 6, 8]);
    expect(rulerTicks(0, 0.0042, 4)).toEqual([0, 0.002, 0.004]);
  });
});
