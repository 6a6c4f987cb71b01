import { addDays, dayOfMs, dayStartMs } from "@/db/partitions";
import type { RetentionSignal } from "@/db/schema";
import type { RecordBatch } from "@/lib/model/records";
import { firstKeptDay, type Retention } from "@/lib/storage/retention";

// What storage keeps: a record older than its signal's retention would land in a day that is
// dropped (or already gone), and one dated past tomorrow would need a partition for a day that may
// never come. Both are answered as not stored, with the reason; the rest of the batch goes on.

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
    const keep: Item<typeof kind>[] = [];
    records.forEach((record, index) => {
      const time = timeOf(record);
      if (time < start) {
        notStored.push({ kind, index, reason: `older than the ${signal} retention (${days} days): not stored` });
      } else if (time >= end) {
        notStored.push({ kind, index, reason: `dated after ${latestDay} (UTC), more than a day ahead: not stored` });
      } else keep.push(record);
    });
    (kept as Record<RecordKind, unknown[]>)[kind] = keep.length === records.length ? records : keep;
  }
  return { batch: kept, notStored };
}
