import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows, type Database, type Db } from "@/db";
import {
  addDays,
  dayOfMs,
  listPartitions,
  PARTITIONED_TABLES,
  type Day,
  type Partition,
  type PartitionedTable,
  textArray,
} from "@/db/partitions";
import { RETENTION_SIGNALS, retentionSettings, type RetentionSignal } from "@/db/schema";
import type { Ctx } from "@/lib/auth/context";
import { config, MAX_RETENTION_DAYS } from "@/lib/config";

// How long each signal is kept. Expired data goes by dropping whole day partitions (never a
// DELETE scan); a record older than its signal's retention is not stored at all, so a late batch
// cannot bring back a day that is gone.

export const RETENTION_DEFAULTS: Record<RetentionSignal, number> = {
  traces: 7,
  logs: 7,
  events: 7,
  metrics: 30,
  pipeline: 30,
  rollups: 90,
};

export type Retention = Record<RetentionSignal, number>;

/** Days kept by signal: a setting an admin saved, else the environment's default, else the built-in one. */
export async function readRetention(db: Db): Promise<{ days: Retention; source: Record<RetentionSignal, Source> }> {
  const saved = new Map((await db.select().from(retentionSettings)).map((r) => [r.signal, r.days]));
  const env = config().retention;
  const days = {} as Retention;
  const source = {} as Record<RetentionSignal, Source>;
  for (const signal of RETENTION_SIGNALS) {
    const setting = saved.get(signal);
    const fromEnv = env[signal];
    days[signal] = setting ?? fromEnv ?? RETENTION_DEFAULTS[signal];
    source[signal] = setting !== undefined ? "setting" : fromEnv !== undefined ? "environment" : "default";
  }
  return { days, source };
}

type Source = "setting" | "environment" | "default";

/**
 * The first day a signal keeps: today and the `days` before it. A partition of an earlier day
 * holds only rows older than the setting, so dropping it never takes a row the setting keeps.
 */
export const firstKeptDay = (days: number, now: Date): Day => addDays(dayOfMs(now.getTime()), -days);

// --- the settings, cached per database for the writer's checks --------------------------------

const REFRESH_MS = 30_000;

const slot = globalThis as { __tracedeckRetention?: WeakMap<Database, { at: number; days: Promise<Retention> }> };
const cache = (slot.__tracedeckRetention ??= new WeakMap());

/** The retention in force, re-read at most every 30 s (another node's change shows within that). */
export function currentRetention(database: Database, now = Date.now()): Promise<Retention> {
  const entry = cache.get(database);
  if (entry && now - entry.at < REFRESH_MS) return entry.days;
  const days = readRetention(database.db).then((r) => r.days);
  cache.set(database, { at: now, days });
  // a failed read is not remembered
  days.catch(() => cache.get(database)?.days === days && cache.delete(database));
  return days;
}

// --- the API --------------------------------------------------------------------------------

const Days = z.number().int().min(1).max(MAX_RETENTION_DAYS);

export const RetentionUpdate = z
  .strictObject(
    Object.fromEntries(RETENTION_SIGNALS.map((s) => [s, Days.optional()])) as Record<
      RetentionSignal,
      z.ZodOptional<typeof Days>
    >,
  )
  .refine((update) => Object.values(update).some((v) => v !== undefined), "set at least one signal's days")
  .meta({ description: `days to keep, 1 to ${MAX_RETENTION_DAYS}, by signal` });

const SignalView = z.object({
  days: z.number(),
  source: z.enum(["setting", "environment", "default"]),
  tables: z.array(z.string()).meta({ description: "the tables this setting governs" }),
  bytes: z.number().meta({ description: "disk used by the signal's tables, indexes included" }),
  oldest_day: z.string().nullable().meta({ description: "the oldest day stored (YYYY-MM-DD), null when empty" }),
  partitions: z.number(),
});

export const RetentionView = z
  .object(
    Object.fromEntries(RETENTION_SIGNALS.map((s) => [s, SignalView])) as Record<RetentionSignal, typeof SignalView>,
  )
  .meta({ id: "Retention" });

const tablesOf = (signal: RetentionSignal): PartitionedTable[] =>
  (Object.keys(PARTITIONED_TABLES) as PartitionedTable[]).filter((t) => PARTITIONED_TABLES[t] === signal);

/** Disk used per partition, in bytes, tables and their indexes. */
async function partitionSizes(db: Db, partitions: Partition[]): Promise<Map<string, number>> {
  if (partitions.length === 0) return new Map();
  const rows = await queryRows<{ name: string; bytes: string }>(
    db,
    sql`select c.relname as name, pg_total_relation_size(c.oid)::text as bytes
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relname = any(${textArray(partitions.map((p) => p.name))})`,
  );
  return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
}

/** Each signal's retention, where it comes from, and what it stores now. */
export async function getRetention({ ctx }: { ctx: Ctx }): Promise<z.output<typeof RetentionView>> {
  const { days, source } = await readRetention(ctx.db);
  const partitions = await listPartitions(ctx.db);
  const sizes = await partitionSizes(ctx.db, partitions);
  const view = {} as z.output<typeof RetentionView>;
  for (const signal of RETENTION_SIGNALS) {
    const tables = tablesOf(signal);
    const own = partitions.filter((p) => tables.includes(p.table));
    view[signal] = {
      days: days[signal],
      source: source[signal],
      tables,
      bytes: own.reduce((sum, p) => sum + (sizes.get(p.name) ?? 0), 0),
      oldest_day: (await oldestDay(ctx.db, own)) ?? null,
      partitions: own.length,
    };
  }
  return view;
}

/** The oldest day among these partitions that holds a row (a made-ahead or emptied one does not count). */
async function oldestDay(db: Db, partitions: Partition[]): Promise<Day | undefined> {
  for (const day of [...new Set(partitions.map((p) => p.day))].sort()) {
    for (const p of partitions.filter((q) => q.day === day)) {
      const rows = await queryRows<{ one: number }>(db, sql.raw(`select 1 as one from "${p.name}" limit 1`));
      if (rows.length > 0) return day;
    }
  }
  return undefined;
}

/** Saves the days given; the others keep theirs. Answers the retention now in force. */
export async function updateRetention({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: unknown;
}): Promise<z.output<typeof RetentionView>> {
  const update = RetentionUpdate.parse(input);
  const rows = RETENTION_SIGNALS.flatMap((signal) => {
    const days = update[signal];
    return days === undefined ? [] : [{ signal, days, updatedAt: ctx.now() }];
  });
  await ctx.db
    .insert(retentionSettings)
    .values(rows)
    .onConflictDoUpdate({
      target: retentionSettings.signal,
      set: { days: sql`excluded.days`, updatedAt: sql`excluded.updated_at` },
    });
  cache.delete(ctx.database);
  return getRetention({ ctx });
}
