import { describe, expect, it } from "vitest";
import { span } from "./span-fixture";
import { buildTraceModel, criticalPath, rulerTicks } from "./model";
import { visibleRows } from "./view-state";

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

  it("indexes the tree order: each span's place and the end of its subtree", () => {
    expect([...model.order].map(id)).toEqual(["root", "a", "b", "b1", "c", "orphan"]);
    expect([...model.order].map((index) => model.position[index])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(model.subtreeEnd[0]).toBe(5); // root: everything up to the orphan
    expect(model.subtreeEnd[2]).toBe(4); // b: itself and b1
    expect(model.subtreeEnd[1]).toBe(2); // a: a leaf
    expect(model.byId.get("b1")).toBe(3);
  });

  it("shows a span whose parent never arrived at the top level, flagged", () => {
    expect(model.nodes[5]!.problems).toEqual(["missing-parent"]);
    expect(model.nodes[5]!.depth).toBe(0);
    expect(model.nodes[0]!.problems).toEqual([]);
  });

  it("breaks a parent loop at a span on it, flags that span, and keeps what hangs below the loop", () => {
    // x → y → z → x loops; w hangs under z; s names itself
    const looped = buildTraceModel([
      span("w", "z", 5, 6),
      span("x", "y", 0, 10),
      span("y", "z", 1, 9),
      span("z", "x", 2, 8),
      span("s", "s", 3, 4),
    ]);
    const name = (i: number) => looped.nodes[i]!.span.span_id;
    expect(looped.order.length).toBe(5);
    const flagged = looped.nodes.filter((n) => n.problems.includes("parent-cycle")).map((n) => name(n.index));
    expect(flagged.sort()).toEqual(["s", "z"]);
    // w is below the loop, not on it: it stays under z
    expect(name(looped.nodes[0]!.parent)).toBe("z");
    expect([...looped.order].map(name)).toEqual(["z", "y", "x", "w", "s"]);
    expect(looped.nodes.map((n) => n.depth)).toEqual([1, 2, 1, 0, 0]);
  });

  it("shows both spans of a duplicated id, flagged, with children under the first", () => {
    const twice = buildTraceModel([
      span("p", null, 0, 10),
      span("d", "p", 1, 5),
      span("d", "p", 2, 6),
      span("k", "d", 3, 4),
    ]);
    expect(twice.order.length).toBe(4);
    expect(twice.nodes[1]!.problems).toEqual(["duplicate-id"]);
    expect(twice.nodes[2]!.problems).toEqual(["duplicate-id"]);
    expect(twice.nodes[3]!.parent).toBe(1);
    expect(twice.byId.get("d")).toBe(1);
    expect([...twice.order]).toEqual([0, 1, 3, 2]);
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
    expect(cycle.nodes.filter((n) => n.problems.includes("parent-cycle"))).toHaveLength(1);
  });

  it("puts ruler ticks on round numbers", () => {
    expect(rulerTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(rulerTicks(3, 8.5, 5)).toEqual([4, 6, 8]);
    expect(rulerTicks(0, 0.0042, 4)).toEqual([0, 0.002, 0.004]);
  });
});
