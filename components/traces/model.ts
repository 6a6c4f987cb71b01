import type { SpanLine } from "./outline";

// The trace as the waterfall reads it: a span tree with times in milliseconds from the trace's
// start, and the indexes every interaction reads (tree order, subtree extents, ids). Everything
// here is linear or n·log n and iterative, so a 1,000,000-span trace (or a chain 100,000 deep)
// builds without overflowing the stack, and what the view asks afterwards never re-walks the tree.

/** Something wrong with how a span joins the tree; the span is still shown. */
export type SpanProblem = "missing-parent" | "parent-cycle" | "duplicate-id";

export interface SpanNode {
  span: SpanLine;
  index: number;
  /** the node this one hangs under, -1 at the top level */
  parent: number;
  depth: number;
  /** in start order */
  children: number[];
  /** ms from the trace's start */
  start: number;
  end: number;
  failed: boolean;
  problems: readonly SpanProblem[];
}

export interface TraceModel {
  nodes: SpanNode[];
  /** top-level spans in start order: roots, and spans whose parent is absent or loops */
  roots: number[];
  /** every node in tree order (a parent, then its children's subtrees in start order) */
  order: Int32Array;
  /** node index → its place in `order` */
  position: Int32Array;
  /** node index → the place in `order` just past its subtree */
  subtreeEnd: Int32Array;
  /** span id → the first node carrying it (a duplicated id names more than one node) */
  byId: Map<string, number>;
  durationMs: number;
  startNanos: bigint;
}

const NO_PROBLEMS: readonly SpanProblem[] = Object.freeze([]);

function flag(node: SpanNode, problem: SpanProblem) {
  node.problems = [...node.problems, problem];
}

/** The model of spans whose starts count from `baseNanos` (the trace's start as its first answer gave it). */
export function buildTraceModel(spans: readonly SpanLine[], baseNanos = 0n): TraceModel {
  let first = spans.length ? spans[0]!.start_ns : 0;
  for (const span of spans) if (span.start_ns < first) first = span.start_ns;
  const startNanos = baseNanos + BigInt(first);

  const byId = new Map<string, number>();
  const nodes: SpanNode[] = spans.map((span, index) => ({
    span,
    index,
    parent: -1,
    depth: 0,
    children: [],
    start: (span.start_ns - first) / 1e6,
    end: (span.start_ns + span.duration_ns - first) / 1e6,
    failed: span.status_code === "error",
    problems: NO_PROBLEMS,
  }));
  for (const node of nodes) {
    const first = byId.get(node.span.span_id);
    if (first === undefined) byId.set(node.span.span_id, node.index);
    else {
      // both copies are shown; children hang under the first
      if (!nodes[first]!.problems.includes("duplicate-id")) flag(nodes[first]!, "duplicate-id");
      flag(node, "duplicate-id");
    }
  }

  const roots: number[] = [];
  for (const node of nodes) {
    const parentId = node.span.parent_span_id;
    const parent = parentId === null ? undefined : byId.get(parentId);
    if (parentId !== null && parent === undefined) flag(node, "missing-parent");
    if (parent === node.index) flag(node, "parent-cycle");
    if (parent === undefined || parent === node.index) roots.push(node.index);
    else {
      node.parent = parent;
      nodes[parent]!.children.push(node.index);
    }
  }
  const byStart = (a: number, b: number) => nodes[a]!.start - nodes[b]!.start || a - b;
  for (const node of nodes) if (node.children.length > 1) node.children.sort(byStart);

  // Spans no root reaches hang under a parent chain that loops. Walk up from one of them until the
  // walk repeats itself: that span is on the loop; cut it loose as a top-level span, which makes the
  // whole loop and everything under it reachable again.
  const reached = new Uint8Array(nodes.length);
  const markFrom = (start: number) => {
    const stack = [start];
    reached[start] = 1;
    while (stack.length) {
      for (const child of nodes[stack.pop()!]!.children) {
        if (reached[child]) continue;
        reached[child] = 1;
        stack.push(child);
      }
    }
  };
  for (const r of roots) markFrom(r);
  const walked = new Int32Array(nodes.length).fill(-1);
  for (const node of nodes) {
    if (reached[node.index]) continue;
    let at = node.index;
    while (walked[at] !== node.index) {
      walked[at] = node.index;
      at = nodes[at]!.parent;
    }
    const cut = nodes[at]!;
    const parent = nodes[cut.parent]!;
    parent.children = parent.children.filter((c) => c !== cut.index);
    cut.parent = -1;
    flag(cut, "parent-cycle");
    roots.push(cut.index);
    markFrom(cut.index);
  }

  roots.sort(byStart);

  // tree order, depths and subtree extents, without recursion
  const order = new Int32Array(nodes.length);
  const position = new Int32Array(nodes.length);
  const subtreeEnd = new Int32Array(nodes.length);
  let next = 0;
  const stack: number[] = [];
  for (let r = roots.length - 1; r >= 0; r--) stack.push(roots[r]!);
  while (stack.length) {
    const index = stack.pop()!;
    const node = nodes[index]!;
    order[next] = index;
    position[index] = next++;
    node.depth = node.parent === -1 ? 0 : nodes[node.parent]!.depth + 1;
    for (let c = node.children.length - 1; c >= 0; c--) stack.push(node.children[c]!);
  }
  // a subtree is its node plus its children's subtrees, which follow it in tree order
  const size = new Int32Array(nodes.length).fill(1);
  for (let p = nodes.length - 1; p >= 0; p--) {
    const index = order[p]!;
    subtreeEnd[index] = p + size[index]!;
    const parent = nodes[index]!.parent;
    if (parent !== -1) size[parent]! += size[index]!;
  }

  let durationMs = 0;
  for (const node of nodes) if (node.end > durationMs) durationMs = node.end;
  return { nodes, roots, order, position, subtreeEnd, byId, durationMs, startNanos };
}

export interface Segment {
  index: number;
  start: number;
  end: number;
}

/**
 * The critical path: the chain of work the trace's end waited on. From a span's end, walk back
 * through the child that finished last, then the one that finished last before that child
 * started, and so on; the gaps between them are the span's own time.
 */
export function criticalPath(model: TraceModel): Segment[] {
  const root = model.roots.reduce<number | undefined>(
    (best, r) =>
      best === undefined ||
      model.nodes[r]!.end - model.nodes[r]!.start > model.nodes[best]!.end - model.nodes[best]!.start
        ? r
        : best,
    undefined,
  );
  if (root === undefined) return [];
  const segments: Segment[] = [];
  const work: [number, number][] = [[root, model.nodes[root]!.end]];
  while (work.length) {
    const [index, bound] = work.pop()!;
    const node = model.nodes[index]!;
    let cursor = Math.min(node.end, bound);
    const children = [...node.children].sort((a, b) => model.nodes[b]!.end - model.nodes[a]!.end);
    for (const child of children) {
      const c = model.nodes[child]!;
      if (c.start >= cursor) continue;
      const end = Math.min(c.end, cursor);
      if (cursor > end) segments.push({ index, start: end, end: cursor });
      work.push([child, end]);
      cursor = Math.max(c.start, node.start);
    }
    if (cursor > node.start) segments.push({ index, start: node.start, end: cursor });
  }
  return segments;
}

/** Tick positions (ms) for a ruler over [from, to]: about `count` steps of 1, 2 or 5 × 10ⁿ. */
export function rulerTicks(from: number, to: number, count = 6): number[] {
  const span = to - from;
  if (!(span > 0)) return [from];
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}
