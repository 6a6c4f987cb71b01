// Pure aggregation of metric points into time buckets: no I/O, unit-tested.

export const AGGS = ["avg", "min", "max", "sum", "count", "rate", "p50", "p90", "p95", "p99"] as const;
export type Agg = (typeof AGGS)[number];

export interface SeriesInfo {
  id: number;
  type: string;
  temporality: "cumulative" | "delta" | null;
  tags: Record<string, string>;
}

export interface PointRow {
  seriesId: number;
  /** epoch ms */
  time: number;
  value: number | null;
  count: number | null;
  sum: number | null;
  bounds: number[] | null;
  bucketCounts: number[] | null;
}

export interface Bucketing {
  /** epoch ms of the first bucket's start */
  from: number;
  /** epoch ms; points after it are left out */
  to: number;
  stepMs: number;
}

export interface OutputSeries {
  tags: Record<string, string>;
  points: [number, number][];
}

const QUANTILE: Partial<Record<Agg, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** Linear interpolation between closest ranks, as percentile_cont does. */
export function quantileOfValues(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/**
 * A quantile from histogram buckets (bucket i counts values in (bounds[i-1], bounds[i]], the last
 * one the values above the last bound), interpolating linearly inside the bucket, as Prometheus'
 * histogram_quantile does. The first bucket starts at 0 when its bound is positive; a quantile in
 * the overflow bucket is the last bound.
 */
export function quantileOfBuckets(bounds: number[], counts: number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (seen + c >= rank && c > 0) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? null;
      const upper = bounds[i]!;
      const lower = i === 0 ? (upper > 0 ? 0 : upper) : bounds[i - 1]!;
      return lower + (upper - lower) * ((rank - seen) / c);
    }
    seen += c;
  }
  return bounds[bounds.length - 1] ?? null;
}

interface Cell {
  values: number[];
  sum: number;
  count: number;
  min: number;
  max: number;
  increase: number;
  histSum: number;
  histCount: number;
  bounds: number[] | null;
  buckets: number[] | null;
}

const newCell = (): Cell => ({
  values: [],
  sum: 0,
  count: 0,
  min: Infinity,
  max: -Infinity,
  increase: 0,
  histSum: 0,
  histCount: 0,
  bounds: null,
  buckets: null,
});

const sameBounds = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Buckets points by time and groups series by the tag keys asked for. Counters' rates are
 * reset-aware: a cumulative value that goes down starts again from zero. Cumulative histograms
 * contribute the difference between consecutive points.
 */
export function aggregate(
  series: SeriesInfo[],
  points: PointRow[],
  agg: Agg,
  bucketing: Bucketing,
  groupBy: string[],
): OutputSeries[] {
  const info = new Map(series.map((s) => [s.id, s]));
  const groups = new Map<string, { tags: Record<string, string>; cells: Map<number, Cell> }>();
  const bySeries = new Map<number, PointRow[]>();
  for (const p of points) {
    if (!bySeries.has(p.seriesId)) bySeries.set(p.seriesId, []);
    bySeries.get(p.seriesId)!.push(p);
  }
  for (const [seriesId, rows] of bySeries) {
    const s = info.get(seriesId);
    if (!s) continue;
    const tags = Object.fromEntries(groupBy.map((k) => [k, s.tags[k] ?? ""]));
    const key = JSON.stringify(groupBy.map((k) => tags[k]));
    if (!groups.has(key)) groups.set(key, { tags, cells: new Map() });
    const cells = groups.get(key)!.cells;
    rows.sort((a, b) => a.time - b.time);
    let prev: PointRow | undefined;
    for (const p of rows) {
      if (p.time < bucketing.from || p.time > bucketing.to) {
        prev = p;
        continue;
      }
      const index = Math.floor((p.time - bucketing.from) / bucketing.stepMs);
      let cell = cells.get(index);
      if (!cell) cells.set(index, (cell = newCell()));
      if (p.value !== null) {
        cell.values.push(p.value);
        cell.sum += p.value;
        cell.count += 1;
        cell.min = Math.min(cell.min, p.value);
        cell.max = Math.max(cell.max, p.value);
        // native counters without temporality carry increments, as OTLP delta points do
        if (s.temporality === "cumulative") {
          if (prev?.value !== null && prev?.value !== undefined)
            cell.increase += p.value >= prev.value ? p.value - prev.value : p.value;
        } else cell.increase += p.value;
      }
      if (p.count !== null) {
        const cumulative = s.temporality === "cumulative" && prev?.count !== null && prev?.count !== undefined;
        const reset = cumulative && p.count < prev!.count!;
        cell.histCount += cumulative && !reset ? p.count - prev!.count! : p.count;
        cell.histSum += cumulative && !reset ? (p.sum ?? 0) - (prev!.sum ?? 0) : (p.sum ?? 0);
      }
      if (p.bounds && p.bucketCounts && p.bucketCounts.length === p.bounds.length + 1) {
        const prevCounts =
          s.temporality === "cumulative" && prev?.bucketCounts && prev.bounds && sameBounds(prev.bounds, p.bounds)
            ? prev.bucketCounts
            : null;
        const reset = prevCounts?.some((c, i) => p.bucketCounts![i]! < c) ?? false;
        const delta = p.bucketCounts.map((c, i) => (prevCounts && !reset ? c - prevCounts[i]! : c));
        if (!cell.bounds) {
          cell.bounds = p.bounds;
          cell.buckets = delta;
        } else if (sameBounds(cell.bounds, p.bounds)) {
          cell.buckets = cell.buckets!.map((c, i) => c + delta[i]!);
        }
      }
      prev = p;
    }
  }
  const stepSeconds = bucketing.stepMs / 1000;
  const out: OutputSeries[] = [];
  for (const { tags, cells } of groups.values()) {
    const pts: [number, number][] = [];
    for (const index of [...cells.keys()].sort((a, b) => a - b)) {
      const cell = cells.get(index)!;
      const time = bucketing.from + index * bucketing.stepMs;
      const q = QUANTILE[agg];
      let v: number | null;
      if (q !== undefined)
        v = cell.buckets ? quantileOfBuckets(cell.bounds!, cell.buckets, q) : quantileOfValues(cell.values, q);
      else if (agg === "rate") v = cell.increase / stepSeconds;
      else if (agg === "count") v = cell.histCount > 0 ? cell.histCount : cell.count;
      else if (agg === "avg")
        v = cell.histCount > 0 ? cell.histSum / cell.histCount : cell.count ? cell.sum / cell.count : null;
      else if (agg === "sum") v = cell.histCount > 0 ? cell.histSum : cell.sum;
      else if (agg === "min") v = cell.count ? cell.min : null;
      else v = cell.count ? cell.max : null;
      if (v !== null && Number.isFinite(v)) pts.push([time, v]);
    }
    out.push({ tags, points: pts });
  }
  return out.sort((a, b) => JSON.stringify(a.tags).localeCompare(JSON.stringify(b.tags)));
}

export interface ExponentialDistribution {
  scale: number;
  zero_count: number;
  zero_threshold?: number;
  positive: { offset: number; bucket_counts: number[] } | null;
}

/**
 * An exponential histogram's positive buckets as explicit ones: bucket `offset + k` holds the
 * values in (base^(offset+k), base^(offset+k+1)] with base = 2^(2^-scale); the zero bucket comes
 * first. Negative buckets are left out: the latencies and sizes these measure are positive.
 */
export function exponentialAsExplicit(d: ExponentialDistribution): { bounds: number[]; counts: number[] } {
  const base = 2 ** (2 ** -d.scale);
  const offset = d.positive?.offset ?? 0;
  const counts = d.positive?.bucket_counts ?? [];
  const bounds = [d.zero_threshold ?? 0, ...counts.map((_, k) => base ** (offset + k + 1))];
  const lowest = base ** offset;
  // values between the zero bucket and the first populated bucket: an empty bucket with that bound
  return { bounds: [bounds[0]!, lowest, ...bounds.slice(1)], counts: [d.zero_count, 0, ...counts, 0] };
}
