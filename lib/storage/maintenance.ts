import { sql } from "drizzle-orm";
import { queryRows, type Database } from "@/db";
import {
  addDays,
  createPartitions,
  dayOfMs,
  daysBetween,
  listPartitions,
  PARTITIONED_TABLES,
  type Partition,
  type PartitionedTable,
} from "@/db/partitions";
import { repeat } from "./repeat";
import { firstKeptDay, readRetention } from "./retention";

// Storage maintenance, run by the server every few minutes: the partitions of the coming days
// exist before their first row, and partitions older than their signal's retention are dropped.
// With N app nodes, one of them drops at a time: the pass holds a Postgres advisory lock.

/** Days ahead whose partitions exist before any row needs them. */
export const DAYS_AHEAD = 2;

/** advisory lock key held by a retention pass ("tdrt") */
const RETENTION_LOCK = 0x74647274;

export interface MaintenanceResult {
  /** false when another node held the lock: it does the drops this time */
  ran: boolean;
  dropped: Partition[];
}

/** Creates today's partitions and the next days'. */
export async function createPartitionsAhead(database: Database, now: Date): Promise<void> {
  const today = dayOfMs(now.getTime());
  await createPartitions(
    database.db,
    Object.keys(PARTITIONED_TABLES) as PartitionedTable[],
    daysBetween(today, addDays(today, DAYS_AHEAD)),
  );
}

/**
 * Drops every partition whose whole day is older than its signal's retention, in one transaction
 * under the advisory lock. A failure (the lock on a table not granted in time, the database gone)
 * drops nothing and the next pass tries again; a partition the setting keeps is never dropped.
 */
export async function dropExpiredPartitions(database: Database, now: Date): Promise<MaintenanceResult> {
  return database.db.transaction(async (tx) => {
    const [lock] = await queryRows<{ locked: boolean }>(
      tx,
      sql`select pg_try_advisory_xact_lock(${RETENTION_LOCK}) as locked`,
    );
    if (!lock?.locked) return { ran: false, dropped: [] };
    const { days } = await readRetention(tx);
    const expired = (await listPartitions(tx)).filter(
      (p) => p.day < firstKeptDay(days[PARTITIONED_TABLES[p.table]], now),
    );
    // waiting behind a long query would hold up every writer queued behind this drop
    await tx.execute(sql`set local lock_timeout = '2s'`);
    for (const partition of expired) {
      await tx.execute(sql.raw(`drop table if exists "${partition.name}"`));
    }
    return { ran: true, dropped: expired };
  });
}

export async function runMaintenance(database: Database, now = new Date()): Promise<MaintenanceResult> {
  await createPartitionsAhead(database, now);
  return dropExpiredPartitions(database, now);
}

const RETRY_MS = 60_000;

/**
 * Runs maintenance now and then every `intervalMs`; a failed pass is retried after a minute.
 * Answers a function that stops it.
 */
export function startMaintenance(
  database: Database,
  options: { intervalMs: number; log?: (message: string) => void },
): () => void {
  const log = options.log ?? ((message: string) => console.log(`tracedeck: ${message}`));
  return repeat(async () => {
    try {
      const { dropped } = await runMaintenance(database);
      if (dropped.length > 0) log(`retention: dropped ${dropped.map((p) => p.name).join(", ")}`);
      return options.intervalMs;
    } catch (error) {
      const next = Math.min(RETRY_MS, options.intervalMs);
      log(`storage maintenance failed, trying again in ${Math.round(next / 1000)} s: ${(error as Error).message}`);
      return next;
    }
  });
}
