import type { TraceOutline } from "@/components/data/types";

// A trace as the waterfall holds it: one small object per span with what a row, the tree, the search and the
// minimap read, decoded from the outline's columns and dictionary. A span's details (events, links, resource)
// are read when it is opened, so a million spans fit in the browser's memory.

/** One span of the waterfall. */
export interface SpanLine {
  span_id: string;
  parent_span_id: string | null;
  name: string;
  service_name: string;
  kind: string;
  status_code: string;
  status_message: string | null;
  /** ns after the trace's start (the first answer's `start_time_unix_nano`): an exact integer */
  start_ns: number;
  duration_ns: number;
  attributes: Readonly<Record<string, unknown>>;
}

/** What the trace holds in all, from its first answer. */
export type TraceHead = Omit<TraceOutline, "strings" | "spans" | "next_cursor">;

/** A trace with the spans loaded so far. */
export type LoadedTrace = TraceHead & { spans: SpanLine[] };

/** The head of an answer: everything but its spans. */
export function traceHead(outline: TraceOutline): TraceHead {
  return {
    trace_id: outline.trace_id,
    service_name: outline.service_name,
    root_name: outline.root_name,
    root_span_id: outline.root_span_id,
    start_time: outline.start_time,
    start_time_unix_nano: outline.start_time_unix_nano,
    duration_ms: outline.duration_ms,
    span_count: outline.span_count,
    error_count: outline.error_count,
    services: outline.services,
  };
}

/**
 * An answer's spans as lines, their starts counted from `baseNanos` (the trace's start as the first answer gave
 * it: a later answer's start may differ when spans arrived between the two).
 */
export function outlineLines(outline: TraceOutline, baseNanos: bigint): SpanLine[] {
  const { strings, spans } = outline;
  const shift = Number(BigInt(outline.start_time_unix_nano) - baseNanos);
  const lines: SpanLine[] = new Array<SpanLine>(spans.span_id.length);
  for (let i = 0; i < lines.length; i++) {
    const message = spans.status_message[i];
    lines[i] = {
      span_id: spans.span_id[i]!,
      parent_span_id: spans.parent_span_id[i] ?? null,
      name: strings[spans.name[i]!]!,
      service_name: strings[spans.service[i]!]!,
      kind: strings[spans.kind[i]!]!,
      status_code: strings[spans.status[i]!]!,
      status_message: message === null || message === undefined ? null : strings[message]!,
      start_ns: spans.start[i]! + shift,
      duration_ns: spans.duration[i]!,
      attributes: spans.attributes[i]!,
    };
  }
  return lines;
}

/** A span's identity in a trace: its id and start (an id may be reused). */
export const lineKey = (line: SpanLine) => `${line.span_id}/${line.start_ns}`;

/**
 * The lines of the next page that are not in the trace's top (which was read first, by start, and comes again in
 * the pages by span id): `top` holds the keys of the top's lines.
 */
export function newLines(top: ReadonlySet<string>, page: readonly SpanLine[]): SpanLine[] {
  if (top.size === 0) return page.slice();
  return page.filter((line) => !top.has(lineKey(line)));
}
