import { describe, expect, it } from "vitest";
import type { TraceOutline } from "@/components/data/types";
import { lineKey, newLines, outlineLines, traceHead } from "./outline";

// two spans of an answer whose start is 1 ms after the trace's start as the first answer gave it
const answer: TraceOutline = {
  trace_id: "a".repeat(32),
  service_name: "api",
  root_name: "GET /",
  root_span_id: "0000000000000001",
  start_time: "2026-12-05T08:00:00.001000000Z",
  start_time_unix_nano: "1796457600001000000",
  duration_ms: 5,
  span_count: 2,
  error_count: 1,
  services: ["api", "db"],
  strings: ["GET /", "api", "server", "ok", "SELECT", "db", "client", "error", "timeout"],
  spans: {
    span_id: ["0000000000000001", "0000000000000002"],
    parent_span_id: [null, "0000000000000001"],
    name: [0, 4],
    service: [1, 5],
    kind: [2, 6],
    status: [3, 7],
    status_message: [null, 8],
    start: [0, 1_500_000],
    duration: [4_000_000, 2_000_000],
    attributes: [{}, { "db.system": "postgresql", rows: 3 }],
  },
  next_cursor: null,
};

describe("outlineLines", () => {
  it("decodes the columns and the dictionary into one line per span, starts counted from the first answer's", () => {
    const lines = outlineLines(answer, 1_796_457_600_000_000_000n);
    expect(lines).toEqual([
      {
        span_id: "0000000000000001",
        parent_span_id: null,
        name: "GET /",
        service_name: "api",
        kind: "server",
        status_code: "ok",
        status_message: null,
        start_ns: 1_000_000,
        duration_ns: 4_000_000,
        attributes: {},
      },
      {
        span_id: "0000000000000002",
        parent_span_id: "0000000000000001",
        name: "SELECT",
        service_name: "db",
        kind: "client",
        status_code: "error",
        status_message: "timeout",
        start_ns: 2_500_000,
        duration_ns: 2_000_000,
        attributes: { "db.system": "postgresql", rows: 3 },
      },
    ]);
    expect(traceHead(answer)).not.toHaveProperty("spans");
    expect(traceHead(answer)).toMatchObject({ span_count: 2, root_name: "GET /" });
  });
});

describe("newLines", () => {
  it("leaves out the lines of the trace's top, which its pages by span id bring again", () => {
    const lines = outlineLines(answer, 1_796_457_600_001_000_000n);
    const top = new Set([lineKey(lines[0]!)]);
    expect(newLines(top, lines).map((l) => l.name)).toEqual(["SELECT"]);
    expect(newLines(new Set(), lines)).toHaveLength(2);
  });
});
