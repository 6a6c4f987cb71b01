import type { Span } from "@/components/data/types";

// The trace as the waterfall reads it: a span tree with times in milliseconds from the trace's
// start. Everything here is linear or n·log n and iterative, so a 100,000-span trace (or a chain
// 100,000 deep) builds in well under a second and never overflows the stack.

export interface SpanNode {
  span: Span;
  index: number;
  parent: number;
  depth: number;
  children: number[];
  /** ms from the trace's start */
  start: number;
  end: number;
  failed: boolean;
}

export interface TraceModel {
  nodes: SpanNode[];
  roots: number[];
  durationMs: number;
  startNanos: bigint;
}

export function buildTraceModel(spans: Span[]): TraceModel {
  let startNanos = spans.length ? BigInt(spans[0]!.start_time_unix_nano) : 0n;
  for (const span of spans) {
    const start = BigInt(span.start_time_unix_nano);
    if (start < startNanos) startNanos = start;
  }
  const byId = new Map<string, number>();
  const nodes: SpanNode[] = spans.map((span, index) => {
    byId.set(span.span_id, index);
    return {
      span,
      index,
      parent: -1,
      depth: 0,
      children: [],
      start: Number(BigInt(span.start_time_unix_nano) - startNanos) / 1e6,
      end: Number(BigInt(span.end_time_unix_nano) - startNanos) / 1e6,
      failed: span.status.code === "error",
    };
  });
  const roots: number[] = [];
  for (const node of nodes) {
    const parent = node.span.parent_span_id === null ? undefined : byId.get(node.span.parent_span_id);
    // a span that names itself or an absent parent is shown at the top level
    if (parent === undefined || parent === node.index) roots.push(node.index);
    else {
      node.parent = parent;
      nodes[parent]!.children.push(node.index);
    }
  }
  const byStart = (a: number, b: number) => nodes[a]!.start - nodes[b]!.start || a - b;
  roots.sort(byStart);
  // depths top-down; a parent cycle (bad data) is broken by treating the revisited span as a root
  const seen = new Uint8Array(nodes.length);
  const stack = [...roots];
  for (const r of roots) seen[r] = 1;
  while (stack.length) {
    const index = stack.pop()!;
    const node = nodes[index]!;
    node.children.sort(byStart);
    for (const child of node.children) {
      if (seen[child]) continue;
      seen[child] = 1;
      nodes[child]!.depth = node.depth + 1;
      stack.push(child);
    }
  }
  for (const node of nodes) {
    if (!seen[node.index]) {
      // only spans on a parent cycle are unreached: cut the cycle at this one
      const parent = nodes[node.parent];
      if (parent) parent.children = parent.children.filter((c) => c !== node.index);
      node.parent = -1;
      roots.push(node.index);
      seen[node.index] = 1;
      const again = [node.index];
      while (again.length) {
        const i = again.pop()!;
        for (const child of nodes[i]!.children) {
          if (seen[child]) continue;
          seen[child] = 1;
          nodes[child]!.depth = nodes[i]!.depth + 1;
          again.push(child);
        }
      }
    }
  }
  const durationMs = nodes.reduce((max, n) => Math.max(max, n.end), 0);
  return { nodes, roots, durationMs, startNanos };
}

/** Rows shown, in tree order, skipping the descendants of collapsed spans. */
export function visibleRows(model: TraceModel, collapsed: ReadonlySet<number>): number[] {
  const rows: number[] = [];
  const stack = [...model.roots].reverse();
  while (stack.length) {
    const index = stack.pop()!;
    rows.push(index);
    if (collapsed.has(index)) continue;
    const children = model.nodes[index]!.children;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return rows;
}

/** The spans above this one, nearest first. */
export function ancestors(model: TraceModel, index: number): number[] {
  const out: number[] = [];
  let parent = model.nodes[index]!.parent;
  while (parent !== -1 && out.length < model.nodes.length) {
    out.push(parent);
    parent = model.nodes[parent]!.parent;
  }
  return out;
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

const stringify = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** Spans whose name, service, id, or an attribute key or value contains the text (case-insensitive). */
export function searchSpans(model: TraceModel, text: string): number[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return [];
  const found: number[] = [];
  for (const node of model.nodes) {
    const span = node.span;
    if (
      span.name.toLowerCase().includes(needle) ||
      span.service_name.toLowerCase().includes(needle) ||
      span.span_id.includes(needle) ||
      (span.status.message ?? "").toLowerCase().includes(needle) ||
      Object.entries(span.attributes).some(
        ([k, v]) => k.toLowerCase().includes(needle) || stringify(v).toLowerCase().includes(needle),
      )
    ) {
      found.push(node.index);
    }
  }
  return found;
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
