import type { SpanNode, TraceModel } from "./model";

// What the waterfall shows, as pure functions of the trace model's indexes and the view's state
// (collapsed spans, the search, the zoomed time window). They read only the model, never how its
// spans arrived, and each answers a 1,000,000-span trace in well under a frame's worth of
// milliseconds or close to it: no call walks the tree recursively or re-sorts the trace.

/** Spans whose subtrees are folded away, by node index. */
export type Collapsed = ReadonlySet<number>;

const NOTHING_COLLAPSED: Collapsed = new Set();

/** Folds the span's subtree, or unfolds it. */
export function toggleCollapsed(collapsed: Collapsed, index: number): Collapsed {
  const next = new Set(collapsed);
  if (next.has(index)) next.delete(index);
  else next.add(index);
  return next;
}

export const expandAll = (): Collapsed => NOTHING_COLLAPSED;

/** Every span with children folded, except the top level: the trace reads as its roots and their direct children. */
export function collapseAll(model: TraceModel): Collapsed {
  const collapsed = new Set<number>();
  for (const node of model.nodes) if (node.parent !== -1 && node.children.length > 0) collapsed.add(node.index);
  return collapsed;
}

/**
 * The rows shown, in tree order: everything but the descendants of collapsed spans. The tree
 * order is precomputed, so this copies the stretches between folded subtrees and jumps over each
 * subtree by its end index.
 */
export function visibleRows(model: TraceModel, collapsed: Collapsed): Int32Array {
  const { order, position, subtreeEnd } = model;
  if (collapsed.size === 0) return order;
  const folded = new Int32Array(collapsed.size);
  let count = 0;
  for (const index of collapsed) if (index >= 0 && index < order.length) folded[count++] = position[index]!;
  const starts = folded.subarray(0, count).sort();
  const rows = new Int32Array(order.length);
  let shown = 0;
  let cursor = 0;
  for (const at of starts) {
    // a span inside a subtree already skipped is hidden with it
    if (at < cursor) continue;
    rows.set(order.subarray(cursor, at + 1), shown);
    shown += at + 1 - cursor;
    cursor = subtreeEnd[order[at]!]!;
  }
  rows.set(order.subarray(cursor), shown);
  shown += order.length - cursor;
  return rows.subarray(0, shown);
}

/** The span's row among `rows` (which are in tree order), or -1 when it is not shown. */
export function rowOfSpan(model: TraceModel, rows: ArrayLike<number>, index: number): number {
  const target = model.position[index];
  if (target === undefined) return -1;
  let low = 0;
  let high = rows.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const at = model.position[rows[middle]!]!;
    if (at === target) return middle;
    if (at < target) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** Unfolds the span's ancestors so that its row is shown; the same set when none was folded. */
export function revealSpan(model: TraceModel, collapsed: Collapsed, index: number): Collapsed {
  if (collapsed.size === 0) return collapsed;
  let next: Set<number> | undefined;
  // the model has broken every parent loop, so this walk ends at a top-level span
  for (let parent = model.nodes[index]?.parent ?? -1; parent !== -1; parent = model.nodes[parent]!.parent) {
    if (collapsed.has(parent)) {
      next ??= new Set(collapsed);
      next.delete(parent);
    }
  }
  return next ?? collapsed;
}

const stringify = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

// the lower-cased text each span is searched by: made ahead, a slice at a time while the page is idle
// (prepareSearch), or else whole on the first search of a trace
const searchTexts = new WeakMap<TraceModel, string[]>();

function spanText({ span }: SpanNode): string {
  const parts = [span.name, span.service_name, span.span_id, span.status_message ?? ""];
  for (const key in span.attributes) parts.push(`${key}=${stringify(span.attributes[key])}`);
  // a separator no one types keeps a match from spanning two fields
  return parts.join("\u0000").toLowerCase();
}

/**
 * Makes more of the trace's search text while `more()` allows (a deadline), so that the first search need not make
 * it all; true once it is all made.
 */
export function prepareSearch(model: TraceModel, more: () => boolean): boolean {
  let texts = searchTexts.get(model);
  if (!texts) searchTexts.set(model, (texts = []));
  const { nodes } = model;
  while (texts.length < nodes.length && more()) {
    const end = Math.min(nodes.length, texts.length + 2000);
    for (let i = texts.length; i < end; i++) texts.push(spanText(nodes[i]!));
  }
  return texts.length === nodes.length;
}

function searchText(model: TraceModel): string[] {
  prepareSearch(model, () => true);
  return searchTexts.get(model)!;
}

/**
 * Spans whose name, service, id, status message, or an attribute key or value contains the text
 * (case-insensitive), in tree order, including spans inside collapsed subtrees.
 */
export function searchSpans(model: TraceModel, text: string): Int32Array {
  const needle = text.trim().toLowerCase();
  if (!needle) return new Int32Array(0);
  const texts = searchText(model);
  const found = new Int32Array(model.order.length);
  let count = 0;
  for (const index of model.order) if (texts[index]!.includes(needle)) found[count++] = index;
  return found.slice(0, count);
}

/** The match after (step 1) or before (step -1) the current one, wrapping around; -1 when nothing matches. */
export function stepMatch(count: number, current: number, step: 1 | -1): number {
  if (count <= 0) return -1;
  if (current < 0 || current >= count) return step === 1 ? 0 : count - 1;
  return (current + step + count) % count;
}

/** "no matching spans", "1 matching span", "2 of 5 matching spans". */
export function matchSummary(count: number, current: number): string {
  if (count === 0) return "no matching spans";
  const noun = count === 1 ? "matching span" : "matching spans";
  return current >= 0 && current < count ? `${current + 1} of ${count} ${noun}` : `${count} ${noun}`;
}

/** A part of the trace's time, in ms from its start; null stands for the whole trace. */
export type TimeWindow = readonly [from: number, to: number];

/** The narrowest window a zoom reaches: a microsecond, or a millionth of a longer trace. */
const narrowest = (model: TraceModel) => Math.max(model.durationMs * 1e-6, 1e-3);

/**
 * The window put in order and inside the trace: at least the narrowest width, moved (not cut)
 * when it overhangs an edge, and null when it covers the whole trace.
 */
export function clampWindow(model: TraceModel, window: TimeWindow | null): TimeWindow | null {
  if (!window) return null;
  const duration = model.durationMs;
  let from = Math.min(window[0], window[1]);
  let to = Math.max(window[0], window[1]);
  if (!Number.isFinite(from) || !Number.isFinite(to)) return null;
  const width = Math.max(to - from, narrowest(model));
  if (width >= duration) return null;
  const middle = (from + to) / 2;
  from = middle - width / 2;
  to = middle + width / 2;
  if (from < 0) [from, to] = [0, width];
  if (to > duration) [from, to] = [duration - width, duration];
  return [from, to];
}

/** Half as wide, around `center` (the window's middle unless given). */
export function zoomIn(model: TraceModel, window: TimeWindow | null, center?: number): TimeWindow | null {
  const [from, to] = window ?? [0, model.durationMs];
  const middle = center ?? (from + to) / 2;
  const half = (to - from) / 4;
  return clampWindow(model, [middle - half, middle + half]) ?? window;
}

/** Twice as wide around the same middle; the whole trace once it covers it. */
export function zoomOut(model: TraceModel, window: TimeWindow | null): TimeWindow | null {
  if (!window) return null;
  const [from, to] = window;
  const middle = (from + to) / 2;
  return clampWindow(model, [middle - (to - from), middle + (to - from)]);
}

/** Whether any of the span's time falls inside the window. */
export const spanInWindow = (node: SpanNode, window: TimeWindow | null) =>
  !window || (node.end >= window[0] && node.start <= window[1]);

/** The rows (in their order) whose spans overlap the window. */
export function rowsInWindow(model: TraceModel, rows: Int32Array, window: TimeWindow | null): Int32Array {
  if (!window) return rows;
  const kept = new Int32Array(rows.length);
  let count = 0;
  for (const index of rows) if (spanInWindow(model.nodes[index]!, window)) kept[count++] = index;
  return kept.subarray(0, count);
}

/** Where a span's bar and its duration label go, in % of the timeline's width. */
export interface BarLayout {
  left: number;
  width: number;
  /**
   * `after` starts the label at `at`, past the bar's end; `before` ends it at `at`, ahead of the
   * bar's start; `inside` ends it at `at`, the bar's visible end.
   */
  label: { side: "after" | "before" | "inside"; at: number };
}

/** `room`: the width (in %) a duration label needs beside its bar. */
export function barLayout(node: SpanNode, window: TimeWindow, room = 12): BarLayout {
  const [from, to] = window;
  const scale = 100 / (to - from || 1);
  const left = (node.start - from) * scale;
  const width = (node.end - node.start) * scale;
  const shownFrom = Math.min(Math.max(left, 0), 100);
  const shownTo = Math.min(Math.max(left + width, 0), 100);
  const label: BarLayout["label"] =
    100 - shownTo >= room
      ? { side: "after", at: shownTo }
      : shownFrom >= room
        ? { side: "before", at: shownFrom }
        : { side: "inside", at: shownTo };
  return { left, width, label };
}

/** The waterfall is as tall as its rows, up to most of the screen. */
export const waterfallHeight = (rows: number, rowHeight: number) => `min(${Math.max(rows, 1) * rowHeight}px, 70vh)`;
