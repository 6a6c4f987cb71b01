import type { SpanLine } from "./outline";

// Spans for the waterfall's unit tests: times in ms from the trace's start, everything else plain.

const NONE: Readonly<Record<string, unknown>> = {};

interface Extra {
  name?: string;
  service_name?: string;
  status?: { code: string; message: string | null };
  attributes?: Record<string, unknown>;
}

export function span(id: string, parent: string | null, startMs: number, endMs: number, extra: Extra = {}): SpanLine {
  const start = Math.round(startMs * 1e6);
  return {
    span_id: id,
    parent_span_id: parent,
    name: extra.name ?? `op ${id}`,
    service_name: extra.service_name ?? "api",
    kind: "internal",
    status_code: extra.status?.code ?? "unset",
    status_message: extra.status?.message ?? null,
    start_ns: start,
    duration_ns: Math.round(endMs * 1e6) - start,
    attributes: extra.attributes ?? NONE,
  };
}
