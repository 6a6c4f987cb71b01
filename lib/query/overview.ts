import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { dayStartMs, PARTITIONED_TABLES } from "@/db/partitions";
import type { RollupSource } from "@/db/schema";
import type { Ctx } from "@/lib/auth/context";
import { currentRetention, firstKeptDay } from "@/lib/storage/retention";
import { planRollup, rawNanos, rawTimes, type Interval } from "./rollup-plan";

export const ProjectStats = z
  .object({
    spans: z.number(),
    traces: z.number(),
    metric_points: z.number(),
    logs: z.number(),
    events: z.number(),
    pipeline_events: z.number(),
    network_ops: z.number(),
  })
  .meta({ id: "ProjectStats", description: "rows of each signal the project holds, at any time" });

type Stats = z.output<typeof ProjectStats>;
/** the answer's fields are the tables' names */
type Counted = keyof Stats;
const TABLES = ProjectStats.keyof().options;

/** The rollup that counts a table's rows (a sum of one of its columns), and the time of its raw rows. */
const COUNTED_BY: Record<
  Counted,
  { source: RollupSource; rollup: string; sum: string; scope?: string; raw: (intervals: Interval[]) => SQL }
> = {
  spans: {
    source: "spans",
    rollup: "span_rollups",
    sum: "span_count",
    raw: (i) => rawNanos("start_time_unix_nano", i),
  },
  traces: {
    source: "spans",
    rollup: "row_counts",
    sum: "rows",
    scope: "traces",
    raw: (i) => rawNanos("start_time_unix_nano", i),
  },
  logs: { source: "logs", rollup: "row_counts", sum: "rows", scope: "logs", raw: (i) => rawNanos("time_unix_nano", i) },
  events: { source: "events", rollup: "row_counts", sum: "rows", scope: "events", raw: (i) => rawTimes("time", i) },
  metric_points: {
    source: "metrics",
    rollup: "row_counts",
    sum: "rows",
    scope: "metric_points",
    raw: (i) => rawTimes("time", i),
  },
  pipeline_events: {
    source: "pipeline",
    rollup: "pipeline_rollups",
    sum: "runs",
    raw: (i) => rawTimes("start_time", i),
  },
  network_ops: {
    source: "network",
    rollup: "network_rollups",
    sum: "operations",
    raw: (i) => rawTimes("start_time", i),
  },
};

const NANOS_PER_MS = 1_000_000n;
/** rows may be dated up to the end of tomorrow (lib/ingest/window.ts): the window reaches past that */
const AHEAD_NANOS = 3n * 86_400_000_000_000n;

/**
 * How many rows of a table the project holds: the rollups' count over the days its retention keeps
 * and raw rows for the minutes not rolled up, or a count of every raw row while there are no rollups.
 */
async function countRows(ctx: Ctx, table: Counted, keptFromMs: number): Promise<number> {
  const by = COUNTED_BY[table];
  const now = BigInt(ctx.now().getTime()) * NANOS_PER_MS;
  const plan = await planRollup(ctx, by.source, { from: BigInt(keptFromMs) * NANOS_PER_MS, to: now + AHEAD_NANOS });
  const rolled = plan
    ? sql`coalesce((select sum(${sql.identifier(by.sum)}) from ${sql.identifier(by.rollup)}
        where project_id = ${ctx.projectId} ${by.scope ? sql`and table_name = ${by.scope}` : sql``} and ${plan.rollup}), 0)`
    : sql`0`;
  const [row] = await queryRows<{ n: number }>(
    ctx.db,
    sql`select (${rolled} + (select count(*) from ${sql.identifier(table)}
          where project_id = ${ctx.projectId} and ${plan ? by.raw(plan.raw) : sql`true`}))::float8 as n`,
  );
  // a select without FROM answers exactly one row
  return row!.n;
}

/** How much of each signal the project holds: the overview tells an empty project from a quiet hour with it. */
export async function projectStats({ ctx }: { ctx: Ctx }): Promise<Stats> {
  const retention = await currentRetention(ctx.database);
  const counts = await Promise.all(
    TABLES.map((table) =>
      countRows(ctx, table, dayStartMs(firstKeptDay(retention[PARTITIONED_TABLES[table]], ctx.now()))),
    ),
  );
  return Object.fromEntries(TABLES.map((table, i) => [table, counts[i]!])) as Stats;
}
