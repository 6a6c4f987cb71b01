import { sql, type SQL } from "drizzle-orm";
import { queryRows } from "@/db";
import type { RollupSource } from "@/db/schema";
import type { Buckets, Range } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { nanosToTimestamp } from "./sql";

// Which rows answer a question over a time range: hour rollups for the whole hours inside it,
// minute rollups for the whole minutes around them, and raw rows for the rest, that is the parts
// of a minute at either end and every minute still marked for the rollup pass (its rollup may be
// missing rows that arrived since). The answer is the same as from raw rows alone, at the
// resolution of a minute, whatever the rollup pass has done so far.

const MINUTE_NANOS = 60_000_000_000n;
const HOUR_NANOS = 3_600_000_000_000n;
/** narrower ranges read raw rows only: they are few, and percentiles stay exact */
export const ROLLUP_MIN_RANGE_NANOS = 10n * MINUTE_NANOS;
/** past this many marked minutes in a range, the rollups are too far behind to be worth reading */
const MAX_MARKED_MINUTES = 5000;

/** the rollup table whose rows tell whether a source's range has been rolled up */
const ROLLUP_TABLE: Record<RollupSource, string> = {
  spans: "span_rollups",
  pipeline: "pipeline_rollups",
  network: "network_rollups",
  logs: "row_counts",
  events: "row_counts",
  metrics: "row_counts",
};

/** [from, to) in epoch nanoseconds */
export interface Interval {
  from: bigint;
  to: bigint;
}

export interface RollupPlan {
  /** rows of a rollup table to read: a condition on its step_seconds and time */
  rollup: SQL;
  /** the raw rows to read besides: intervals of their time */
  raw: Interval[];
}

const ceilTo = (n: bigint, step: bigint) => ((n + step - 1n) / step) * step;
const floorTo = (n: bigint, step: bigint) => (n / step) * step;

function pushInterval(list: Interval[], from: bigint, to: bigint): void {
  if (to <= from) return;
  const last = list.at(-1);
  if (last && last.to === from) last.to = to;
  else list.push({ from, to });
}

/**
 * The plan for a range from its marked minutes (epoch ns, ascending); pure, for tests. With
 * `hours: false` (a step that is no whole number of hours) only minute rollups are read.
 */
export function planRange(range: Range, marked: readonly bigint[], { hours = true } = {}): RollupPlan | null {
  const end = range.to + 1n; // `to` is inclusive
  const m0 = ceilTo(range.from, MINUTE_NANOS);
  const mEnd = floorTo(end, MINUTE_NANOS);
  if (end - range.from < ROLLUP_MIN_RANGE_NANOS || mEnd <= m0) return null;
  const markedSet = new Set(marked);
  const raw: Interval[] = [];
  pushInterval(raw, range.from, m0);
  const minuteRows: Interval[] = [];
  const hourRows: Interval[] = [];
  const h0 = hours ? ceilTo(m0, HOUR_NANOS) : mEnd;
  const h1 = hours ? floorTo(mEnd, HOUR_NANOS) : mEnd;
  const markedHours = new Set(marked.map((m) => floorTo(m, HOUR_NANOS)));
  const minutes = (from: bigint, to: bigint) => {
    for (let m = from; m < to; m += MINUTE_NANOS) {
      if (markedSet.has(m)) pushInterval(raw, m, m + MINUTE_NANOS);
      else pushInterval(minuteRows, m, m + MINUTE_NANOS);
    }
  };
  if (h0 < h1) {
    minutes(m0, h0);
    for (let h = h0; h < h1; h += HOUR_NANOS) {
      if (markedHours.has(h)) minutes(h, h + HOUR_NANOS);
      else pushInterval(hourRows, h, h + HOUR_NANOS);
    }
    minutes(h1, mEnd);
  } else {
    minutes(m0, mEnd);
  }
  pushInterval(raw, mEnd, end);
  raw.sort((a, b) => (a.from < b.from ? -1 : 1));
  const merged: Interval[] = [];
  for (const r of raw) pushInterval(merged, r.from, r.to);
  const rows = (step: number, list: Interval[]) =>
    list.length
      ? [
          sql`(step_seconds = ${step} and (${sql.join(
            list.map((i) => sql`(time >= ${nanosToTimestamp(i.from)} and time < ${nanosToTimestamp(i.to)})`),
            sql` or `,
          )}))`,
        ]
      : [];
  const parts = [...rows(60, minuteRows), ...rows(3600, hourRows)];
  if (parts.length === 0) return null;
  return { rollup: sql`(${sql.join(parts, sql` or `)})`, raw: merged };
}

/** A plan that reads raw rows alone, for a caller that takes a plan whatever the range. */
export const rawPlan = (range: Range): RollupPlan => ({
  rollup: sql`false`,
  raw: [{ from: range.from, to: range.to + 1n }],
});

/** The plan for a project's range, or null when raw rows alone answer it best. */
export async function planRollup(
  ctx: Pick<Ctx, "db" | "projectId">,
  source: RollupSource,
  range: Range,
  options: { stepSeconds?: number } = {},
): Promise<RollupPlan | null> {
  if (options.stepSeconds !== undefined && options.stepSeconds % 60 !== 0) return null;
  const hours = options.stepSeconds === undefined || options.stepSeconds % 3600 === 0;
  if (range.to + 1n - range.from < ROLLUP_MIN_RANGE_NANOS) return null;
  const start = nanosToTimestamp(floorTo(range.from, MINUTE_NANOS));
  const [marks, [rolled]] = await Promise.all([
    queryRows<{ minute: string }>(
      ctx.db,
      sql`select (extract(epoch from minute)::bigint * 1000000000)::text as minute from rollup_marks
          where project_id = ${ctx.projectId} and source = ${source}
            and minute >= ${start} and minute <= ${nanosToTimestamp(range.to)}
          order by minute limit ${MAX_MARKED_MINUTES + 1}`,
    ),
    // a range the rollups hold nothing of is answered from raw rows alone, with exact percentiles
    queryRows<{ found: boolean }>(
      ctx.db,
      sql`select exists (select 1 from ${sql.identifier(ROLLUP_TABLE[source])}
            where project_id = ${ctx.projectId} and step_seconds = 60
              and time >= ${start} and time <= ${nanosToTimestamp(range.to)}) as found`,
    ),
  ]);
  if (marks.length > MAX_MARKED_MINUTES || !rolled?.found) return null;
  return planRange(
    range,
    marks.map((m) => BigInt(m.minute)),
    { hours },
  );
}

/** The index of the bucket a rollup row's time falls in (0 without buckets: the whole range). */
export const rollupBucketOf = (b: Buckets | undefined): SQL =>
  b ? sql`(((extract(epoch from time)::bigint * 1000000000) - ${b.first}) / ${b.stepNanos})::int` : sql`0`;

/** The raw rows of the plan's intervals, on a column of epoch nanoseconds. */
export const rawNanos = (column: string, intervals: Interval[]): SQL =>
  intervals.length
    ? sql`(${sql.join(
        intervals.map((i) => sql`(${sql.raw(column)} >= ${i.from} and ${sql.raw(column)} < ${i.to})`),
        sql` or `,
      )})`
    : sql`false`;

/** The raw rows of the plan's intervals, on a timestamptz column. */
export const rawTimes = (column: string, intervals: Interval[]): SQL =>
  intervals.length
    ? sql`(${sql.join(
        intervals.map(
          (i) =>
            sql`(${sql.raw(column)} >= ${nanosToTimestamp(i.from)} and ${sql.raw(column)} < ${nanosToTimestamp(i.to)})`,
        ),
        sql` or `,
      )})`
    : sql`false`;
