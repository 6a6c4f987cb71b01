import "server-only";
import { sql } from "drizzle-orm";
import { queryRows, type Db } from "./client";
import type { RetentionSignal } from "./schema";

// Telemetry tables are range-partitioned by UTC day (migration 0003). One partition per table and
// day, named <table>_pYYYYMMDD, made by the database function tracedeck_day_partition, which
// picks the bounds from the type of the partition column. The server creates today's and the next
// days' partitions ahead of time, and any older day a batch brings just before writing it.

/** Each day-partitioned table and the signal whose retention governs it. */
export const PARTITIONED_TABLES = {
  spans: "traces",
  traces: "traces",
  logs: "logs",
  events: "events",
  metric_points: "metrics",
  pipeline_events: "pipeline",
  network_ops: "pipeline",
  span_rollups: "rollups",
  service_edges: "rollups",
  pipeline_rollups: "rollups",
  network_rollups: "rollups",
  row_counts: "rollups",
} as const satisfies Record<string, RetentionSignal>;

export type PartitionedTable = keyof typeof PARTITIONED_TABLES;

export const DAY_MS = 86_400_000;
export const DAY_NANOS = 86_400_000_000_000n;

/** A UTC day as YYYY-MM-DD (the form Postgres takes and prints for `date`). */
export type Day = string;

export const dayOfMs = (ms: number): Day => new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
/** The UTC day of epoch nanoseconds as a count of days since 1970 (cheaper to collect than Days: no Date). */
export const dayNumberOfNanos = (nanos: bigint): number => Number(nanos / DAY_NANOS);
export const dayOfNumber = (dayNumber: number): Day => dayOfMs(dayNumber * DAY_MS);
export const dayOfNanos = (nanos: bigint): Day => dayOfNumber(dayNumberOfNanos(nanos));
export const addDays = (day: Day, n: number): Day => dayOfMs(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);
export const dayStartMs = (day: Day): number => Date.parse(`${day}T00:00:00Z`);

/** The days from `first` to `last`, both included. */
export function daysBetween(first: Day, last: Day): Day[] {
  const out: Day[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) out.push(day);
  return out;
}

export interface Partition {
  table: PartitionedTable;
  name: string;
  day: Day;
}

const NAME = /^(.+)_p(\d{4})(\d{2})(\d{2})$/;

/** Every day partition of the telemetry tables, oldest first. */
export async function listPartitions(db: Db): Promise<Partition[]> {
  const rows = await queryRows<{ parent: string; child: string }>(
    db,
    sql`select parent.relname as parent, child.relname as child
        from pg_inherits i
        join pg_class parent on parent.oid = i.inhparent
        join pg_class child on child.oid = i.inhrelid
        join pg_namespace n on n.oid = parent.relnamespace
        where n.nspname = current_schema() and parent.relname = any(${textArray(Object.keys(PARTITIONED_TABLES))})`,
  );
  const out: Partition[] = [];
  for (const { parent, child } of rows) {
    const match = NAME.exec(child);
    if (!match || match[1] !== parent) continue; // not one of ours: left alone
    out.push({ table: parent as PartitionedTable, name: child, day: `${match[2]}-${match[3]}-${match[4]}` });
  }
  return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.name < b.name ? -1 : 1));
}

/** `array[$1, $2, …]::text[]`: a list of strings bound as one text[] value. */
export const textArray = (values: readonly string[]) =>
  sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;

/** Creates the tables' partitions for these days where missing (a no-op for those that exist). */
export async function createPartitions(
  db: Db,
  tables: readonly PartitionedTable[],
  days: readonly Day[],
): Promise<void> {
  if (tables.length === 0 || days.length === 0) return;
  await db.execute(
    sql`select tracedeck_day_partition(t, d::date) from unnest(${textArray(tables)}) as t, unnest(${textArray(days)}) as d`,
  );
}

/**
 * The partitions this process knows exist, so that a write checks its days in memory and asks
 * the database only for a day it has not seen. Another node's retention pass may drop a day this
 * cache still lists: a write that finds no partition for its rows calls `forget` and tries again.
 */
export class PartitionCache {
  private known: Set<string> | undefined;

  constructor(private readonly db: Db) {}

  private async load(): Promise<Set<string>> {
    this.known ??= new Set((await listPartitions(this.db)).map((p) => `${p.table}/${p.day}`));
    return this.known;
  }

  async ensure(table: PartitionedTable, days: Iterable<Day>): Promise<void> {
    const known = await this.load();
    const missing = [...new Set(days)].filter((day) => !known.has(`${table}/${day}`));
    if (missing.length === 0) return;
    await createPartitions(this.db, [table], missing);
    for (const day of missing) known.add(`${table}/${day}`);
  }

  forget(): void {
    this.known = undefined;
  }
}
