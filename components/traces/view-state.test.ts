import { describe, expect, it } from "vitest";
import type { SpanLine } from "./outline";
import { buildTraceModel, type TraceModel } from "./model";
import { span } from "./span-fixture";
import {
  barLayout,
  clampWindow,
  collapseAll,
  expandAll,
  matchSummary,
  revealSpan,
  rowOfSpan,
  rowsInWindow,
  prepareSearch,
  searchSpans,
  stepMatch,
  toggleCollapsed,
  visibleRows,
  waterfallHeight,
  zoomIn,
  zoomOut,
} from "./view-state";

// root 0–100: a 10–40 (a1 12–20), b 30–90 (b1 35–80, b1x 40–50 inside b1), c 92–95; orphan 50–60
const model = buildTraceModel([
  span("root", null, 0, 100),
  span("a", "root", 10, 40, { status: { code: "error", message: "boom" } }),
  span("a1", "a", 12, 20, { attributes: { "customer.tier": "Gold", "retry.count": 3 } }),
  span("b", "root", 30, 90, { attributes: { "http.route": "/cart" } }),
  span("b1", "b", 35, 80, { service_name: "db" }),
  span("b1x", "b1", 40, 50, { name: "SELECT orders" }),
  span("c", "root", 92, 95),
  span("orphan", "gone", 50, 60),
]);
const at = (id: string) => model.byId.get(id)!;
const ids = (rows: ArrayLike<number>, m: TraceModel = model) =>
  Array.from(rows, (index) => m.nodes[index]!.span.span_id);

/** The rows by walking the tree, for comparing with the indexed walk. */
function walkRows(m: TraceModel, collapsed: ReadonlySet<number>): number[] {
  const rows: number[] = [];
  const stack = [...m.roots].reverse();
  while (stack.length) {
    const index = stack.pop()!;
    rows.push(index);
    if (collapsed.has(index)) continue;
    const children = m.nodes[index]!.children;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return rows;
}

describe("collapsing and the rows shown", () => {
  it("shows every span in tree order when nothing is collapsed", () => {
    expect(ids(visibleRows(model, expandAll()))).toEqual(["root", "a", "a1", "b", "b1", "b1x", "c", "orphan"]);
  });

  it("hides a collapsed span's subtree, nested collapses included, and ignores leaves and unknown spans", () => {
    expect(ids(visibleRows(model, new Set([at("b")])))).toEqual(["root", "a", "a1", "b", "c", "orphan"]);
    expect(ids(visibleRows(model, new Set([at("b"), at("b1"), at("a")])))).toEqual(["root", "a", "b", "c", "orphan"]);
    expect(ids(visibleRows(model, new Set([at("root")])))).toEqual(["root", "orphan"]);
    expect(ids(visibleRows(model, new Set([at("c"), 99, -1])))).toHaveLength(8);
  });

  it("toggles a subtree, and collapses all to the top level and its children", () => {
    const once = toggleCollapsed(expandAll(), at("b"));
    expect(ids(visibleRows(model, once))).toEqual(["root", "a", "a1", "b", "c", "orphan"]);
    expect(visibleRows(model, toggleCollapsed(once, at("b")))).toHaveLength(8);
    const all = collapseAll(model);
    expect(ids([...all].sort((x, y) => x - y))).toEqual(["a", "b", "b1"]);
    expect(ids(visibleRows(model, all))).toEqual(["root", "a", "b", "c", "orphan"]);
  });

  it("agrees with a walk of the tree on random trees and random collapsed sets", () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 40; round++) {
      const count = 1 + Math.floor(random() * 200);
      const spans = Array.from({ length: count }, (_, i) =>
        span(`s${i}`, i === 0 || random() < 0.05 ? null : `s${Math.floor(random() * i)}`, random() * 100, 100),
      );
      const m = buildTraceModel(spans);
      const collapsed = new Set(Array.from({ length: Math.floor(random() * 20) }, () => Math.floor(random() * count)));
      expect(Array.from(visibleRows(m, collapsed))).toEqual(walkRows(m, collapsed));
    }
  });
});

describe("revealing a span", () => {
  it("unfolds only the span's folded ancestors and finds its row", () => {
    const collapsed = new Set([at("b"), at("b1"), at("a")]);
    const opened = revealSpan(model, collapsed, at("b1x"));
    expect(ids([...opened])).toEqual(["a"]);
    const rows = visibleRows(model, opened);
    expect(rowOfSpan(model, rows, at("b1x"))).toBe(ids(rows).indexOf("b1x"));
    expect(rowOfSpan(model, rows, at("a1"))).toBe(-1);
  });

  it("keeps the same set when the span is already shown", () => {
    const collapsed = new Set([at("a")]);
    expect(revealSpan(model, collapsed, at("b1x"))).toBe(collapsed);
    expect(revealSpan(model, collapsed, at("a"))).toBe(collapsed);
  });
});

describe("search within the trace", () => {
  it("matches name, service, attribute keys and values and status messages, in tree order, ignoring case", () => {
    expect(ids(searchSpans(model, "select"))).toEqual(["b1x"]);
    expect(ids(searchSpans(model, "DB"))).toEqual(["b1"]);
    expect(ids(searchSpans(model, "gold"))).toEqual(["a1"]);
    expect(ids(searchSpans(model, "retry.count=3"))).toEqual(["a1"]);
    expect(ids(searchSpans(model, " /Cart "))).toEqual(["b"]);
    expect(ids(searchSpans(model, "boom"))).toEqual(["a"]);
    expect(ids(searchSpans(model, "op "))).toEqual(["root", "a", "a1", "b", "b1", "c", "orphan"]);
    expect(searchSpans(model, "  ")).toHaveLength(0);
    expect(searchSpans(model, "nothing like it")).toHaveLength(0);
  });

  it("makes its text ahead a slice at a time, and finds the same spans as when made at once", () => {
    const big = buildTraceModel(bigTrace(5000));
    let calls = 0;
    // two slices' worth of time, then the deadline passes
    expect(prepareSearch(big, () => ++calls <= 2)).toBe(false);
    expect(prepareSearch(big, () => true)).toBe(true);
    const fresh = buildTraceModel(bigTrace(5000));
    expect([...searchSpans(big, "step 49")]).toEqual([...searchSpans(fresh, "step 49")]);
    expect(searchSpans(big, "step 49")).toHaveLength(111); // 49, 490–499, 4900–4999
  });

  it("steps to the next and previous match, wrapping around at both ends", () => {
    expect(stepMatch(3, -1, 1)).toBe(0);
    expect(stepMatch(3, -1, -1)).toBe(2);
    expect(stepMatch(3, 0, 1)).toBe(1);
    expect(stepMatch(3, 2, 1)).toBe(0);
    expect(stepMatch(3, 0, -1)).toBe(2);
    expect(stepMatch(0, -1, 1)).toBe(-1);
  });

  it("counts matches in words", () => {
    expect(matchSummary(0, -1)).toBe("no matching spans");
    expect(matchSummary(1, -1)).toBe("1 matching span");
    expect(matchSummary(2, -1)).toBe("2 matching spans");
    expect(matchSummary(1, 0)).toBe("1 of 1 matching span");
    expect(matchSummary(5, 1)).toBe("2 of 5 matching spans");
  });
});

describe("zooming into a time window", () => {
  it("keeps a window inside the trace, in order, and no narrower than a microsecond", () => {
    expect(clampWindow(model, [60, 20])).toEqual([20, 60]);
    expect(clampWindow(model, [-10, 20])).toEqual([0, 30]);
    expect(clampWindow(model, [90, 130])).toEqual([60, 100]);
    expect(clampWindow(model, [-5, 200])).toBeNull();
    expect(clampWindow(model, [0, 100])).toBeNull();
    const thin = clampWindow(model, [50, 50])!;
    expect(thin[1] - thin[0]).toBeCloseTo(1e-3);
  });

  it("zooms in by half around the middle or a chosen time, out by double, and back to the whole trace", () => {
    expect(zoomIn(model, null)).toEqual([25, 75]);
    expect(zoomIn(model, [20, 60])).toEqual([30, 50]);
    expect(zoomIn(model, null, 0)).toEqual([0, 50]);
    expect(zoomOut(model, [30, 50])).toEqual([20, 60]);
    expect(zoomOut(model, [80, 100])).toEqual([60, 100]);
    expect(zoomOut(model, [25, 75])).toBeNull();
    expect(zoomOut(model, null)).toBeNull();
  });

  it("keeps the rows whose spans overlap the window", () => {
    const rows = visibleRows(model, expandAll());
    expect(rowsInWindow(model, rows, null)).toBe(rows);
    expect(ids(rowsInWindow(model, rows, [85, 91]))).toEqual(["root", "b"]);
    expect(ids(rowsInWindow(model, rows, [41, 45]))).toEqual(["root", "b", "b1", "b1x"]);
  });
});

describe("bars and their duration labels", () => {
  it("puts a label after its bar when there is room, before it when not, inside a bar that fills the width", () => {
    expect(barLayout(model.nodes[at("a")]!, [0, 100])).toEqual({
      left: 10,
      width: 30,
      label: { side: "after", at: 40 },
    });
    expect(barLayout(model.nodes[at("c")]!, [0, 100]).label).toEqual({ side: "before", at: 92 });
    expect(barLayout(model.nodes[at("root")]!, [0, 100]).label).toEqual({ side: "inside", at: 100 });
    // zoomed into the root: its bar overhangs both edges, and the label stays on screen
    const zoomed = barLayout(model.nodes[at("root")]!, [40, 60]);
    expect(zoomed.left).toBeLessThan(0);
    expect(zoomed.label).toEqual({ side: "inside", at: 100 });
    // a bar outside the window keeps its label at the edge it lies beyond
    expect(barLayout(model.nodes[at("c")]!, [0, 50]).label).toEqual({ side: "before", at: 100 });
    expect(barLayout(model.nodes[at("a")]!, [60, 100]).label).toEqual({ side: "after", at: 0 });
  });

  it("sizes the waterfall to its rows, up to 70% of the screen", () => {
    expect(waterfallHeight(9, 24)).toBe("min(216px, 70vh)");
    expect(waterfallHeight(0, 24)).toBe("min(24px, 70vh)");
  });
});

/** An 8-ary tree of `count` spans, children inside their parent's time, as wide as a big real trace. */
function bigTrace(count: number): SpanLine[] {
  const template = span("0", null, 0, 0);
  const services = ["frontend", "api", "db", "cache", "queue", "worker"];
  const starts = new Float64Array(count);
  const ends = new Float64Array(count);
  const spans: SpanLine[] = [];
  for (let i = 0; i < count; i++) {
    const parent = i === 0 ? -1 : Math.floor((i - 1) / 8);
    if (parent === -1) ends[i] = 10_000;
    else {
      const slot = (ends[parent]! - starts[parent]!) / 8;
      starts[i] = starts[parent]! + ((i - 1) % 8) * slot + slot * 0.05;
      ends[i] = starts[i]! + slot * 0.9;
    }
    spans.push({
      ...template,
      span_id: i.toString(16).padStart(16, "0"),
      parent_span_id: parent === -1 ? null : parent.toString(16).padStart(16, "0"),
      name: `step ${i}`,
      service_name: services[i % services.length]!,
      start_ns: Math.round(starts[i]! * 1e6),
      duration_ns: Math.round((ends[i]! - starts[i]!) * 1e6),
      attributes: { "step.index": i },
    });
  }
  return spans;
}

describe("a 1,000,000-span trace", () => {
  it("answers every view question without walking the tree again", { timeout: 120_000 }, () => {
    const COUNT = 1_000_000;
    const timings: Record<string, number> = {};
    const time = <T>(name: string, run: () => T): T => {
      const started = performance.now();
      const result = run();
      timings[name] = Math.round((performance.now() - started) * 10) / 10;
      return result;
    };
    const spans = bigTrace(COUNT);
    const big = time("buildTraceModel (once per trace)", () => buildTraceModel(spans));
    const deep = COUNT - 1;

    const all = time("visibleRows, nothing collapsed", () => visibleRows(big, expandAll()));
    expect(all).toHaveLength(COUNT);
    const folded = time("collapseAll", () => collapseAll(big));
    const top = time("visibleRows, all collapsed", () => visibleRows(big, folded));
    expect(top).toHaveLength(9);
    const one = time("toggleCollapsed", () => toggleCollapsed(expandAll(), 1));
    const most = time("visibleRows, one subtree collapsed", () => visibleRows(big, one));
    expect(most.length).toBe(COUNT - (big.subtreeEnd[1]! - big.position[1]! - 1));
    const opened = time("revealSpan, all collapsed", () => revealSpan(big, folded, deep));
    const rows = time("visibleRows, after the reveal", () => visibleRows(big, opened));
    expect(time("rowOfSpan", () => rowOfSpan(big, rows, deep))).toBeGreaterThan(0);
    time("search, first (builds the search text)", () => searchSpans(big, "step 1"));
    const matches = time("search, again", () => searchSpans(big, "step 99999"));
    expect(matches).toHaveLength(11); // 99999 and 999990–999999
    const window = time("zoomIn", () => zoomIn(big, null, 1234));
    const inWindow = time("rowsInWindow", () => rowsInWindow(big, all, window));
    expect(inWindow.length).toBeGreaterThan(0);
    expect(inWindow.length).toBeLessThan(COUNT);

    console.log(`1,000,000-span trace, ms per call:\n${JSON.stringify(timings, null, 2)}`);
  });
});
