import { describe, expect, it } from "vitest";
import type { RedPoint, ServiceStats, TraceDurationPoint } from "@/components/data/types";
import {
  byImpact,
  chartKind,
  countRows,
  defaultAggregation,
  linkedTraceId,
  metricRows,
  perHostRows,
  redRows,
  retryBars,
  seriesLabel,
  timeTickFormat,
  traceDots,
} from "./prepare";

const service = (name: string, request_count: number, p95_ms: number | null, error_count = 0): ServiceStats => ({
  name,
  span_count: request_count,
  request_count,
  request_rate: request_count / 3600,
  error_count,
  error_rate: request_count ? error_count / request_count : 0,
  p50_ms: p95_ms,
  p95_ms,
  p99_ms: p95_ms,
  span_rate: request_count / 3600,
  span_error_rate: request_count ? error_count / request_count : 0,
  span_p50_ms: p95_ms,
  span_p95_ms: p95_ms,
  span_p99_ms: p95_ms,
});

describe("chart preparation", () => {
  it("orders services by requests × p95, then errors", () => {
    const sorted = byImpact([
      service("fast-busy", 1000, 2),
      service("slow-busy", 500, 900),
      service("quiet", 3, 50, 1),
      service("idle", 0, null),
      service("quiet-ok", 3, 50),
    ]);
    expect(sorted.map((s) => s.name)).toEqual(["slow-busy", "fast-busy", "quiet", "quiet-ok", "idle"]);
  });

  it("turns RED points into rows keyed by epoch milliseconds, keeping gaps as null", () => {
    const point: RedPoint = {
      time: "2026-11-22T10:00:00.000000000Z",
      request_count: 6,
      request_rate: 0.1,
      error_count: 3,
      error_rate: 0.5,
      p50_ms: 10,
      p95_ms: 20,
      p99_ms: null,
    };
    expect(redRows([point])).toEqual([
      { time: Date.UTC(2026, 10, 22, 10), requestRate: 0.1, errorRate: 0.5, errors: 3, p50: 10, p95: 20, p99: null },
    ]);
  });

  it("splits trace dots into failed and ok, naming traces without a root", () => {
    const trace = (id: string, errors: number, root: string | null): TraceDurationPoint => ({
      trace_id: id,
      root_service: root ? "api" : null,
      root_name: root,
      start_time: "2026-11-22T10:00:00Z",
      duration_ms: 5,
      error: errors > 0,
    });
    const { ok, failed } = traceDots([trace("a", 0, "GET /"), trace("b", 2, null)]);
    expect(ok.map((d) => d.name)).toEqual(["api: GET /"]);
    expect(failed).toEqual([
      { time: Date.UTC(2026, 10, 22, 10), durationMs: 5, traceId: "b", name: "?: (missing root span)", failed: true },
    ]);
  });

  it("labels ticks with seconds, minutes or dates as the range grows", () => {
    const t = new Date(2026, 10, 22, 9, 5, 7).getTime();
    expect(timeTickFormat(5 * 60_000)(t)).toBe("09:05:07");
    expect(timeTickFormat(6 * 3_600_000)(t)).toBe("09:05");
    expect(timeTickFormat(7 * 86_400_000)(t)).toBe("11/22 09:05");
  });
});

describe("pipeline and network chart preparation", () => {
  it("keeps the chosen count fields per bucket", () => {
    expect(countRows([{ time: "2026-11-22T10:00:00Z", runs: 4, failed: 1, retried: 2 }], ["runs", "failed"])).toEqual([
      { time: Date.UTC(2026, 10, 22, 10), runs: 4, failed: 1 },
    ]);
  });
  it("draws every retry count up to the highest, empty ones as zero", () => {
    expect(
      retryBars([
        { retry_count: 0, runs: 10 },
        { retry_count: 3, runs: 1 },
      ]),
    ).toEqual([
      { label: "0 retries", runs: 10 },
      { label: "1 retry", runs: 0 },
      { label: "2 retries", runs: 0 },
      { label: "3 retries", runs: 1 },
    ]);
    expect(retryBars([])).toEqual([{ label: "0 retries", runs: 0 }]);
  });
  it("finds a linked trace id under the usual attribute names", () => {
    expect(linkedTraceId({ "trace.id": "AB".repeat(16) })).toBe("ab".repeat(16));
    expect(linkedTraceId({ trace_id: "not-a-trace" })).toBeUndefined();
  });
  it("lays host series side by side, a missing latency as a gap", () => {
    const { rows, keys } = perHostRows(
      [
        { host: "s3", port: 443, points: [{ time: "2026-11-22T10:00:00Z", p95_ms: 12 }] },
        { host: "smtp", port: 25, points: [{ time: "2026-11-22T10:00:00Z", p95_ms: null }] },
      ],
      "p95_ms",
    );
    expect(keys).toEqual(["s3:443", "smtp:25"]);
    expect(rows[0]!["s3:443"]).toBe(12);
    expect(rows[0]!["smtp:25"]).toBeNull();
  });
});

describe("metric chart preparation", () => {
  it("merges series into rows by time, a series without a point there as a gap", () => {
    const { rows, keys } = metricRows([
      {
        prefix: "p95",
        series: [
          {
            tags: { route: "/cart", method: "GET" },
            points: [
              ["2026-11-22T10:00:00Z", 1],
              ["2026-11-22T10:01:00Z", 2],
            ],
          },
          { tags: {}, points: [["2026-11-22T10:01:00Z", 5]] },
        ],
      },
    ]);
    expect(keys).toEqual(["p95 method=GET, route=/cart", "p95"]);
    expect(rows).toEqual([
      { time: Date.UTC(2026, 10, 22, 10, 0), "p95 method=GET, route=/cart": 1, p95: null },
      { time: Date.UTC(2026, 10, 22, 10, 1), "p95 method=GET, route=/cart": 2, p95: 5 },
    ]);
    expect(seriesLabel({})).toBe("all");
  });
  it("starts counters at rate and histograms at percentiles, and picks the chart for the aggregation", () => {
    expect(defaultAggregation("sum")).toBe("rate");
    expect(defaultAggregation("histogram")).toBe("percentiles");
    expect(defaultAggregation("gauge")).toBe("avg");
    expect([chartKind("count"), chartKind("rate"), chartKind("p99")]).toEqual(["bar", "area", "line"]);
  });
});
