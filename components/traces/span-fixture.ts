import type { Span } from "@/components/data/types";

// Spans for the waterfall's unit tests: times in ms from a fixed start, everything else plain.

const T0 = 1_763_800_000_000_000_000n;

export function span(
  id: string,
  parent: string | null,
  startMs: number,
  endMs: number,
  extra: Partial<Span> = {},
): Span {
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
