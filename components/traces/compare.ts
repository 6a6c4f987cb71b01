import type { SpanLine } from "./outline";

// Two traces as one merged tree. A span is matched with the other trace's span at the same place: the same path of
// (service, name) from the root, and the same rank among siblings of that service and name by start. What a span
// adds to a trace's duration is its own time (its duration less its children's, which overlap it); the spans whose
// own time differs most explain the difference between the traces, and come first.

export type Presence = "both" | "a" | "b";

export interface MergedRow {
  key: string;
  depth: number;
  service_name: string;
  name: string;
  presence: Presence;
  /** durations in ms, null on the side without the span */
  a_ms: number | null;
  b_ms: number | null;
  /** own time in ms on each side (0 on the side without it) */
  a_self_ms: number;
  b_self_ms: number;
  /** b − a of the own times: what this span adds to B's duration over A's */
  self_diff_ms: number;
  failed: boolean;
}

interface TreeNode {
  line: SpanLine;
  children: TreeNode[];
}

/** Roots and children by parent, ordered by start; a span whose parent is missing becomes a root. */
function tree(lines: readonly SpanLine[]): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const line of lines) if (!nodes.has(line.span_id)) nodes.set(line.span_id, { line, children: [] });
  const roots: TreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.line.parent_span_id === null ? undefined : nodes.get(node.line.parent_span_id);
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  // a cycle (a span its own ancestor) leaves its spans unreached from any root: one of them becomes a root, cut
  // from its parent, which breaks the cycle
  const reached = new Set<TreeNode>();
  const reach = (from: TreeNode) => {
    const stack = [from];
    while (stack.length) {
      const node = stack.pop()!;
      if (reached.has(node)) continue;
      reached.add(node);
      stack.push(...node.children);
    }
  };
  roots.forEach(reach);
  for (const node of nodes.values()) {
    if (reached.has(node)) continue;
    const parent = nodes.get(node.line.parent_span_id!)!;
    parent.children = parent.children.filter((child) => child !== node);
    roots.push(node);
    reach(node);
  }
  const byStart = (x: TreeNode, y: TreeNode) => x.line.start_ns - y.line.start_ns;
  for (const node of nodes.values()) node.children.sort(byStart);
  roots.sort(byStart);
  return roots;
}

/** Own time: the span's duration less the union of its children's intervals within it. */
function selfNs(node: TreeNode): number {
  const start = node.line.start_ns;
  const end = start + node.line.duration_ns;
  let covered = 0;
  let reach = start;
  for (const child of node.children) {
    const from = Math.max(child.line.start_ns, reach);
    const to = Math.min(child.line.start_ns + child.line.duration_ns, end);
    if (to > from) {
      covered += to - from;
      reach = to;
    }
  }
  return Math.max(0, node.line.duration_ns - covered);
}

/** Children keyed by (service, name, rank among siblings of that service and name). */
function keyed(children: readonly TreeNode[]): Map<string, TreeNode> {
  const seen = new Map<string, number>();
  const out = new Map<string, TreeNode>();
  for (const child of children) {
    const id = `${child.line.service_name}\u0000${child.line.name}`;
    const rank = seen.get(id) ?? 0;
    seen.set(id, rank + 1);
    out.set(`${id}\u0000${rank}`, child);
  }
  return out;
}

const MS = 1e6;

/** The merged tree in depth-first order, A's order first, B's spans without a match after A's at each level. */
export function mergeTraces(a: readonly SpanLine[], b: readonly SpanLine[]): MergedRow[] {
  interface Pending {
    x: TreeNode | undefined;
    y: TreeNode | undefined;
    depth: number;
    key: string;
  }
  const rows: MergedRow[] = [];
  // a stack rather than recursion: a trace may be many thousands of spans deep
  const stack: Pending[] = [];
  const push = (left: readonly TreeNode[], right: readonly TreeNode[], depth: number, path: string) => {
    const l = keyed(left);
    const r = keyed(right);
    const keys = [...l.keys(), ...[...r.keys()].filter((k) => !l.has(k))];
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      stack.push({ x: l.get(key), y: r.get(key), depth, key: `${path}/${key}` });
    }
  };
  push(tree(a), tree(b), 0, "");
  while (stack.length) {
    const { x, y, depth, key } = stack.pop()!;
    const line = (x ?? y)!.line;
    const aSelf = x ? selfNs(x) / MS : 0;
    const bSelf = y ? selfNs(y) / MS : 0;
    rows.push({
      key,
      depth,
      service_name: line.service_name,
      name: line.name,
      presence: x && y ? "both" : x ? "a" : "b",
      a_ms: x ? x.line.duration_ns / MS : null,
      b_ms: y ? y.line.duration_ns / MS : null,
      a_self_ms: aSelf,
      b_self_ms: bSelf,
      self_diff_ms: bSelf - aSelf,
      failed: x?.line.status_code === "error" || y?.line.status_code === "error",
    });
    push(x?.children ?? [], y?.children ?? [], depth + 1, key);
  }
  return rows;
}

/** The rows that explain most of the difference: the largest own-time differences first. */
export function largestDifferences(rows: readonly MergedRow[], count = 10): MergedRow[] {
  return rows
    .filter((r) => r.self_diff_ms !== 0)
    .sort((x, y) => Math.abs(y.self_diff_ms) - Math.abs(x.self_diff_ms))
    .slice(0, count);
}
