import { sql, type SQL } from "drizzle-orm";

// The histogram rollups keep of durations and latencies (ms): bounds four to a doubling from 1 µs
// to over an hour, joined by the
// bounds /metrics publishes, so its Prometheus buckets are exact. A percentile read from it lies
// in the exact value's bucket: within 19% of it. Bucket i counts the values
// above bound i and at most bound i + 1: bucket 0 holds values up to the first bound, the last
// one values above the last bound, as Prometheus's `le` reads them.

/** the bounds of GET /metrics's event_duration_seconds, in seconds */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** the bounds of GET /metrics's network_latency_seconds, in seconds */
export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const grid = Array.from({ length: 128 }, (_, k) => Number((0.001 * 2 ** (k / 4)).toPrecision(6)));
/** the bounds in ms, ascending */
export const HISTOGRAM_BOUNDS_MS: readonly number[] = [
  ...new Set([...grid, ...DURATION_BUCKETS.map((s) => s * 1000), ...LATENCY_BUCKETS.map((s) => s * 1000)]),
].sort((a, b) => a - b);

/** counts per histogram: one bucket more than bounds */
export const HISTOGRAM_SIZE = HISTOGRAM_BOUNDS_MS.length + 1;

const descendingNegated = `'{${[...HISTOGRAM_BOUNDS_MS]
  .reverse()
  .map((b) => -b)
  .join(",")}}'::float8[]`;

/**
 * The bucket of a value in ms (null stays null): how many bounds lie below it. width_bucket counts
 * the bounds at or below its operand, so it is asked about the negated value among negated bounds.
 */
export const histogramBucket = (ms: SQL): SQL =>
  sql`(${sql.raw(String(HISTOGRAM_BOUNDS_MS.length))} - width_bucket(-(${ms})::float8, ${sql.raw(descendingNegated)}))`;

/**
 * The histogram of a group's bucket indexes (counted from 0, of `size`), as tracedeck_histogram
 * builds it: one count per row, of the rows `filter` keeps.
 */
export function histogramOfBuckets(buckets: SQL, size: number, filter?: SQL): SQL {
  const kept = filter ? sql` filter (where ${filter})` : sql``;
  return sql`tracedeck_histogram(array_agg(${buckets})${kept}, array_fill(1::bigint, array[(count(*)${kept})::int]), ${sql.raw(String(size))})`;
}

/** The duration histogram of a group's values in ms (nulls are not counted). */
export const histogramOf = (ms: SQL, filter?: SQL): SQL =>
  histogramOfBuckets(histogramBucket(ms), HISTOGRAM_SIZE, filter);

/**
 * `array[sum(h[1]), …]`: the histograms of a column summed over a group's rows, as float8 (numbers in JS).
 * Summed as float8, exact below 2^53: a float8 sum keeps its running total in place, where a bigint one
 * allocates a numeric state per bucket and group: twice the time over many small groups.
 */
export function sumHistograms(column: SQL, size = HISTOGRAM_SIZE): SQL {
  const parts: SQL[] = [];
  for (let i = 1; i <= size; i++) parts.push(sql`coalesce(sum(${column}[${sql.raw(String(i))}]::float8), 0)`);
  return sql`array[${sql.join(parts, sql`, `)}]::float8[]`;
}

/** Counts as the database returns them (bigint arrays may come as text). */
export const toCounts = (values: readonly (number | string)[] | null | undefined): number[] =>
  (values ?? []).map((v) => Number(v));

/** The element-wise sum of histograms. */
export function addHistograms(a: readonly number[], b: readonly number[]): number[] {
  const out = Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));
  return out;
}

/**
 * The q-quantile (0…1) of the values a histogram counts, in ms, or null when it counts none: the
 * value at that rank, placed within its bucket by linear interpolation between the bucket's bounds.
 */
export function histogramQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((n, c) => n + c, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0 && below + c >= rank) {
      const lower = i === 0 ? 0 : HISTOGRAM_BOUNDS_MS[i - 1]!;
      const upper = HISTOGRAM_BOUNDS_MS[i] ?? HISTOGRAM_BOUNDS_MS[HISTOGRAM_BOUNDS_MS.length - 1]!;
      if (i >= HISTOGRAM_BOUNDS_MS.length) return lower;
      return lower + (upper - lower) * Math.min(1, Math.max(0, (rank - below) / c));
    }
    below += c;
  }
  return HISTOGRAM_BOUNDS_MS[HISTOGRAM_BOUNDS_MS.length - 1]!;
}

/** How many of the values a histogram counts are at most `boundMs`, which must be one of its bounds. */
export function countAtMost(counts: readonly number[], boundMs: number): number {
  const index = HISTOGRAM_BOUNDS_MS.indexOf(boundMs);
  if (index < 0) throw new Error(`${boundMs} ms is not a histogram bound`);
  let n = 0;
  for (let i = 0; i <= index; i++) n += counts[i] ?? 0;
  return n;
}
