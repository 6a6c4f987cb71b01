import { sql } from "drizzle-orm";
import type { Buckets, Range } from "@/lib/api/params";
import { addDays, dayOfNanos } from "@/db/partitions";
import { nanosToIso } from "@/lib/model/time";
import { nanosToTimestamp } from "../sql";

// Time fragments of the pipeline tables, whose times are timestamptz columns.

export const inRange = (column: string, range: Range) =>
  sql`${sql.raw(column)} >= ${nanosToTimestamp(range.from)} and ${sql.raw(column)} <= ${nanosToTimestamp(range.to)}`;

/**
 * pipeline_events rows started in the range: a task lives in the partition of its first report's
 * day, its start's day or the day after (when an earlier start came later), so this reads those days only.
 */
export const tasksInRange = (range: Range) =>
  sql`${inRange("start_time", range)} and day >= ${dayOfNanos(range.from)}::date and day <= ${addDays(dayOfNanos(range.to), 1)}::date`;

/** The index of the bucket a time column falls in. */
export const bucketOf = (column: string, b: Buckets) =>
  sql`(((extract(epoch from ${sql.raw(column)}) * 1000000)::bigint - ${b.first / 1000n}) / ${b.stepNanos / 1000n})::int`;

export const bucketTime = (b: Buckets, bucket: number) => nanosToIso(b.first + BigInt(bucket) * b.stepNanos);
