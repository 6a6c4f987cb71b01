import type { SpanLine } from "./outline";

// A long trace arrives a page at a time, its spans in no tree order: the waterfall shows the part that already
// hangs together, and builds its model again only as that part grows, so the whole load costs a few builds rather
// than one per page.

/**
 * The spans whose chain of parents reaches a root (a span without a parent) among the spans loaded so far. A span
 * whose parent has not come yet waits, rather than showing as a root that a later page would move.
 */
export function connectedSpans(spans: readonly SpanLine[]): SpanLine[] {
  const children = new Map<string, number[]>();
  const roots: number[] = [];
  spans.forEach((span, index) => {
    if (span.parent_span_id === null) roots.push(index);
    else {
      const list = children.get(span.parent_span_id);
      if (list) list.push(index);
      else children.set(span.parent_span_id, [index]);
    }
  });
  const kept = new Uint8Array(spans.length);
  const pending = roots.slice();
  for (const index of roots) kept[index] = 1;
  while (pending.length > 0) {
    const index = pending.pop()!;
    const below = children.get(spans[index]!.span_id);
    if (!below) continue;
    // a span id met twice would be walked twice: each child is taken once
    children.delete(spans[index]!.span_id);
    for (const child of below) {
      if (kept[child]) continue;
      kept[child] = 1;
      pending.push(child);
    }
  }
  return spans.filter((_, index) => kept[index] === 1);
}

/**
 * The spans the waterfall shows next: those it shows already, in the same order (the model's node indexes, which
 * collapsed spans are kept by, stay what they were), then the loaded spans that now hang together, or, once the
 * trace is complete, every span left (a parent that never came is then flagged, not awaited).
 */
export function extendShown(shown: readonly SpanLine[], loaded: readonly SpanLine[], complete: boolean): SpanLine[] {
  // the shown spans are some of the loaded ones, the same objects
  const had = new Set<SpanLine>(shown);
  const next = shown.slice();
  for (const span of complete ? loaded : connectedSpans(loaded)) if (!had.has(span)) next.push(span);
  return next;
}

/** Whether the waterfall should show a newer snapshot of a loading trace: when done, or grown by half since the last. */
export function snapshotDue(shown: number, loaded: number, complete: boolean): boolean {
  return complete ? loaded !== shown : loaded >= shown * 1.5;
}
