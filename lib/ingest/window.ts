import { addDays, dayOfMs, dayStartMs } from "@/db/partitions";
import type { RetentionSignal } from "@/db/schema";
import type { RecordBatch } from "@/lib/model/records";
import { MAX_NAME_BYTES, utf8Length } from "@/lib/model/text";
import { MAX_NANOS } from "@/lib/model/time";
import { firstKeptDay, type Retention } from "@/lib/storage/retention";

// What storage keeps: a record older than its signal's retention would land in a day that is
// dropped (or already gone), and one dated past tomorrow would need a partition for a day that may
// never come. Both are answered as not stored, with the reason; the rest of the batch goes on, and so it does
// past a record holding a value no column of its table can.

export type RecordKind = keyof RecordBatch;

export interface NotStored {
  kind: RecordKind;
  /** the record's index in its list of the batch */
  index: number;
  reason: string;
}

export const SIGNAL_OF: Record<RecordKind, RetentionSignal> = {
  spans: "traces",
  events: "events",
  logs: "logs",
  metrics: "metrics",
  pipelineEvents: "pipeline",
  networkOps: "pipeline",
};

type Item<K extends RecordKind> = NonNullable<RecordBatch[K]>[number];

/** The time that places each kind of record in a day partition, in epoch nanoseconds. */
const TIME_OF: { [K in RecordKind]: (record: Item<K>) => bigint } = {
  spans: (s) => s.startTimeUnixNano,
  events: (e) => e.time,
  logs: (l) => l.timeUnixNano,
  metrics: (m) => m.time,
  pipelineEvents: (p) => p.startTime,
  networkOps: (n) => n.startTime,
};

const inTimeRange = (nanos: bigint | null) => nanos === null || (nanos >= 0n && nanos <= MAX_NANOS);
const PAST_INT64 = "has a time after 2262-04-11, past what a timestamp holds: not stored";
const count = (n: number | null) => n === null || (Number.isSafeInteger(n) && n >= 0);
const INT32_MAX = 2_147_483_647;

/**
 * Which of a record's names is longer than an index row takes: each at most MAX_NAME_BYTES of UTF-8, and those
 * indexed together at most `together` bytes.
 */
function longName(names: Record<string, string | null>, together = Infinity): string | undefined {
  let sum = 0;
  for (const [field, value] of Object.entries(names)) {
    if (value === null) continue;
    // a UTF-16 unit is at most 3 bytes of UTF-8: a short name needs measuring only when names count together
    if (together === Infinity && value.length * 3 <= MAX_NAME_BYTES) continue;
    const bytes = utf8Length(value);
    if (bytes > MAX_NAME_BYTES) return `has a ${field} longer than ${MAX_NAME_BYTES} bytes (UTF-8): not stored`;
    sum += bytes;
  }
  return sum > together
    ? `has ${Object.keys(names).join(", ")} longer than ${together} bytes together (UTF-8): not stored`
    : undefined;
}

/**
 * Why a record holds a value its columns cannot (times past int64 nanoseconds, counts past a safe integer, flags
 * past int32), whichever decoder made it; undefined when it can be stored. Checked before the batch's SQL, so one
 * such record is refused on its own instead of failing the whole transaction.
 */
const UNSTORABLE: { [K in RecordKind]: (record: Item<K>) => string | undefined } = {
  spans: (s) =>
    longName({ name: s.name, service: s.serviceName }) ??
    (inTimeRange(s.startTimeUnixNano) && inTimeRange(s.endTimeUnixNano) ? undefined : PAST_INT64),
  events: (e) => longName({ name: e.name, service: e.serviceName }) ?? (inTimeRange(e.time) ? undefined : PAST_INT64),
  logs: (l) =>
    longName({ service: l.serviceName }) ??
    (!inTimeRange(l.timeUnixNano) || !inTimeRange(l.observedTimeUnixNano)
      ? PAST_INT64
      : l.droppedAttributesCount > INT32_MAX
        ? "has a dropped attributes count past 2^31: not stored"
        : undefined),
  metrics: (m) =>
    longName({ name: m.name, service: m.serviceName }) ??
    (!inTimeRange(m.time) || !inTimeRange(m.startTime)
      ? PAST_INT64
      : !count(m.count) || !(m.bucketCounts ?? []).every(count)
        ? "has a count past 2^53, more than a count keeps exactly: not stored"
        : m.flags !== null && m.flags > INT32_MAX
          ? "has flags past 2^31 (no such flag is defined): not stored"
          : undefined),
  pipelineEvents: (p) =>
    longName({ task_id: p.taskId, event_name: p.eventName }) ??
    (inTimeRange(p.startTime) && inTimeRange(p.endTime) ? undefined : PAST_INT64),
  networkOps: (n) =>
    longName({ task_id: n.taskId, host: n.host, operation: n.operation }, MAX_NAME_BYTES * 2) ??
    (inTimeRange(n.startTime) && inTimeRange(n.endTime) ? undefined : PAST_INT64),
};

const KINDS = Object.keys(SIGNAL_OF) as RecordKind[];
const nanosOfDay = (day: string) => BigInt(dayStartMs(day)) * 1_000_000n;

/** The batch without the records storage does not keep, and those records with their reasons. */
export function withinStorage(
  batch: RecordBatch,
  retention: Retention,
  now: Date,
): { batch: RecordBatch; notStored: NotStored[] } {
  const notStored: NotStored[] = [];
  // anything up to the end of tomorrow (UTC) is kept: clocks run ahead, and time zones get mixed up
  const latestDay = addDays(dayOfMs(now.getTime()), 1);
  const end = nanosOfDay(addDays(latestDay, 1));
  const kept: RecordBatch = {};
  for (const kind of KINDS) {
    const records = batch[kind] as Item<typeof kind>[] | undefined;
    if (!records) continue;
    const signal = SIGNAL_OF[kind];
    const days = retention[signal];
    const start = nanosOfDay(firstKeptDay(days, now));
    const timeOf = TIME_OF[kind] as (record: Item<typeof kind>) => bigint;
    const unstorable = UNSTORABLE[kind] as (record: Item<typeof kind>) => string | undefined;
    const keep: Item<typeof kind>[] = [];
    records.forEach((record, index) => {
      const time = timeOf(record);
      const problem = unstorable(record);
      if (problem) {
        notStored.push({ kind, index, reason: problem });
      } else if (time < start) {
        notStored.push({ kind, index, reason: `older than the ${signal} retention (${days} days): not stored` });
      } else if (time >= end) {
        notStored.push({ kind, index, reason: `dated after ${latestDay} (UTC), more than a day ahead: not stored` });
      } else keep.push(record);
    });
    (kept as Record<RecordKind, unknown[]>)[kind] = keep.length === records.length ? records : keep;
  }
  return { batch: kept, notStored };
}
