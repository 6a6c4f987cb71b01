import { describe, expect, it } from "vitest";
import {
  aggregate,
  exponentialAsExplicit,
  quantileOfBuckets,
  quantileOfValues,
  type PointRow,
  type SeriesInfo,
} from "./metric-math";

const point = (seriesId: number, time: number, value: number | null, extra: Partial<PointRow> = {}): PointRow => ({
  seriesId,
  time,
  value,
  count: null,
  sum: null,
  bounds: null,
  bucketCounts: null,
  ...extra,
});
const bucketing = { from: 0, to: 60_000, stepMs: 10_000 };

describe("quantiles", () => {
  it("interpolate between values", () => {
    expect(quantileOfValues([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileOfValues([], 0.5)).toBeNull();
  });

  it("interpolate inside histogram buckets, as histogram_quantile does", () => {
    // 10 values in (0,10], 10 in (10,100], none above
    expect(quantileOfBuckets([10, 100], [10, 10, 0], 0.5)).toBe(10);
    expect(quantileOfBuckets([10, 100], [10, 10, 0], 0.75)).toBe(55);
    expect(quantileOfBuckets([10, 100], [0, 0, 5], 0.5)).toBe(100);
    expect(quantileOfBuckets([10], [0, 0], 0.5)).toBeNull();
  });
});

describe("aggregate", () => {
  const gauge: SeriesInfo[] = [
    { id: 1, type: "gauge", temporality: null, tags: { host: "a", region: "eu" } },
    { id: 2, type: "gauge", temporality: null, tags: { host: "b", region: "eu" } },
  ];

  it("buckets by step and groups by tag keys", () => {
    const points = [point(1, 1000, 2), point(1, 5000, 4), point(2, 2000, 10), point(1, 15_000, 8)];
    expect(aggregate(gauge, points, "avg", bucketing, ["region"])).toEqual([
      {
        tags: { region: "eu" },
        points: [
          [0, 16 / 3],
          [10_000, 8],
        ],
      },
    ]);
    expect(aggregate(gauge, points, "max", bucketing, ["host"])).toEqual([
      {
        tags: { host: "a" },
        points: [
          [0, 4],
          [10_000, 8],
        ],
      },
      { tags: { host: "b" }, points: [[0, 10]] },
    ]);
    expect(aggregate(gauge, points, "count", bucketing, [])[0]!.points).toEqual([
      [0, 3],
      [10_000, 1],
    ]);
  });

  it("computes reset-aware rates of cumulative counters", () => {
    const counter: SeriesInfo[] = [{ id: 1, type: "counter", temporality: "cumulative", tags: {} }];
    // 100 → 150 (+50) → 20 (reset: +20) → 60 (+40)
    const points = [point(1, 0, 100), point(1, 10_000, 150), point(1, 20_000, 20), point(1, 30_000, 60)];
    expect(aggregate(counter, points, "rate", bucketing, [])[0]!.points).toEqual([
      [0, 0],
      [10_000, 5],
      [20_000, 2],
      [30_000, 4],
    ]);
  });

  it("sums increments of delta counters into rates", () => {
    const counter: SeriesInfo[] = [{ id: 1, type: "counter", temporality: "delta", tags: {} }];
    const points = [point(1, 1000, 30), point(1, 2000, 20)];
    expect(aggregate(counter, points, "rate", bucketing, [])[0]!.points).toEqual([[0, 5]]);
  });

  it("takes percentiles of cumulative histograms from the buckets added in each step", () => {
    const histogram: SeriesInfo[] = [{ id: 1, type: "histogram", temporality: "cumulative", tags: {} }];
    const h = (time: number, counts: number[]) =>
      point(1, time, null, { bounds: [10, 100], bucketCounts: counts, count: counts.reduce((a, b) => a + b), sum: 0 });
    const points = [h(0, [10, 0, 0]), h(10_000, [10, 10, 0])];
    const p50 = aggregate(histogram, points, "p50", bucketing, [])[0]!.points;
    expect(p50).toEqual([
      [0, 5],
      [10_000, 55],
    ]);
  });
});

describe("exponential histograms", () => {
  it("become explicit buckets with the same quantiles", () => {
    // scale 0: base 2; offset 3 → buckets (8,16], (16,32]
    const { bounds, counts } = exponentialAsExplicit({
      scale: 0,
      zero_count: 0,
      positive: { offset: 3, bucket_counts: [2, 2] },
    });
    expect(bounds).toEqual([0, 8, 16, 32]);
    expect(counts).toEqual([0, 0, 2, 2, 0]);
    expect(quantileOfBuckets(bounds, counts, 0.5)).toBe(16);
    expect(quantileOfBuckets(bounds, counts, 0.75)).toBe(24);
  });
});
