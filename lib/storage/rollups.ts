import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Database, type Db } from "@/db";
import { createPartitions, DAY_MS, dayOfMs, type PartitionedTable } from "@/db/partitions";
import type { RollupSource } from "@/db/schema";
import { histogramOf, histogramOfBuckets, HISTOGRAM_SIZE, sumHistograms } from "./histogram";
import { repeat } from "./repeat";

// The rollup pass: the minutes marked in rollup_marks are computed again from the raw rows, then
// the hours holding them from their minutes. Computing a minute anew (rather than adding to it)
// keeps the rollups exact through retried batches, merged pipeline and network reports and spans
// that arrive late. The server runs it every few seconds under an advisory lock, so one of N nodes
// does; while a minute stays marked, queries read its raw rows (lib/query/rollup-plan.ts).

/** advisory lock key held by a rollup pass ("tdru") */
const ROLLUP_LOCK = 0x74647275;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** marks taken per pass: a backfill goes a day of minutes at a time */
const MARKS_PER_PASS = 1440;
/** retry counts the pipeline rollup tells apart; the last entry counts those and more */
export const RETRY_RUNS_SIZE = 21;
/** a span marks the minutes it covers (its children start in them), up to an hour of them */
const MAX_MINUTES_PER_SPAN = 60;

type Tx = Pick<Db, "execute">;

/** One table of rollups: how a minute is made from raw rows, and how an hour is made from minutes. */
interface RollupTable {
  table: PartitionedTable;
  source: RollupSource;
  /** the columns besides project, step and time that key a row */
  keys: string[];
  /** the rows of the table this source makes, where others share it */
  scope?: SQL;
  /** the other columns in the order `minutes` selects them, and how an hour adds up its minutes' */
  values: [string, "count" | "sum" | "max" | "histogram"][];
  /** `select` of the minute rows of [fromMs, toMs): project, step, time, keys, then values */
  minutes: (projectId: string, fromMs: number, toMs: number) => SQL;
}

const nanos = (ms: number) => sql.raw(`${BigInt(ms) * 1_000_000n}`);
const timestamp = (ms: number) => sql`to_timestamp(${sql.raw(String(ms / 1000))})`;
const REQUEST = sql.raw(`kind in ('server', 'consumer')`);

/** The rollup of how many rows of `counted` each minute holds. */
function rowCount(
  source: RollupSource,
  counted: string,
  minutes: (projectId: string, fromMs: number, toMs: number) => SQL,
): RollupTable {
  return {
    table: "row_counts",
    source,
    keys: ["table_name"],
    scope: sql`table_name = ${counted}`,
    values: [["rows", "count"]],
    minutes,
  };
}

const TABLES: RollupTable[] = [
  {
    table: "span_rollups",
    source: "spans",
    keys: ["service_name", "name"],
    values: [
      ["span_count", "count"],
      ["request_count", "count"],
      ["error_count", "count"],
      ["histogram", "histogram"],
      ["span_error_count", "count"],
      ["span_histogram", "histogram"],
    ],
    minutes: (projectId, fromMs, toMs) => sql`
      select project_id, 60, to_timestamp((start_time_unix_nano / 60000000000) * 60), service_name, name,
        count(*), count(*) filter (where ${REQUEST}), count(*) filter (where ${REQUEST} and status_code = 'error'),
        ${histogramOf(sql`case when ${REQUEST} then duration_nano / 1e6 end`)},
        count(*) filter (where status_code = 'error'), ${histogramOf(sql`duration_nano / 1e6`)}
      from spans
      where project_id = ${projectId} and start_time_unix_nano >= ${nanos(fromMs)} and start_time_unix_nano < ${nanos(toMs)}
      group by project_id, start_time_unix_nano / 60000000000, service_name, name`,
  },
  {
    table: "service_edges",
    source: "spans",
    keys: ["parent_service", "child_service"],
    values: [
      ["calls", "count"],
      ["errors", "count"],
      ["histogram", "histogram"],
    ],
    // the parent started up to a day before its child (or a little after, the clocks of two hosts apart): found
    // by its key, in those days' partitions only
    minutes: (projectId, fromMs, toMs) => sql`
      select c.project_id, 60, to_timestamp((c.start_time_unix_nano / 60000000000) * 60), p.service_name, c.service_name,
        count(*), count(*) filter (where c.status_code = 'error'), ${histogramOf(sql`c.duration_nano / 1e6`)}
      from spans c
      cross join lateral (
        -- one lookup of the parent's key per child, whatever the statistics say (a fresh day has none)
        select p.service_name from spans p
        where p.project_id = c.project_id and p.trace_id = c.trace_id and p.span_id = c.parent_span_id
          and p.start_time_unix_nano >= ${nanos(fromMs - DAY_MS)} and p.start_time_unix_nano < ${nanos(toMs + HOUR_MS)}
        limit 1
      ) p
      where c.project_id = ${projectId} and c.start_time_unix_nano >= ${nanos(fromMs)} and c.start_time_unix_nano < ${nanos(toMs)}
        and c.kind in ('server', 'consumer') and c.parent_span_id is not null and p.service_name <> c.service_name
      group by c.project_id, c.start_time_unix_nano / 60000000000, p.service_name, c.service_name`,
  },
  {
    table: "pipeline_rollups",
    source: "pipeline",
    keys: ["event_name", "status"],
    values: [
      ["runs", "count"],
      ["retried", "count"],
      ["retries", "count"],
      ["max_retries", "max"],
      ["retry_runs", "histogram"],
      ["histogram", "histogram"],
      ["duration_sum_ms", "sum"],
    ],
    minutes: (projectId, fromMs, toMs) => sql`
      select project_id, 60, to_timestamp(floor(extract(epoch from start_time) / 60) * 60), event_name, status,
        count(*), count(*) filter (where retry_count > 0), coalesce(sum(retry_count), 0), coalesce(max(retry_count), 0),
        ${histogramOfBuckets(sql`least(retry_count, ${sql.raw(String(RETRY_RUNS_SIZE - 1))})`, RETRY_RUNS_SIZE)},
        ${histogramOf(sql`duration_ms`)}, coalesce(sum(duration_ms), 0)
      from pipeline_events
      where project_id = ${projectId} and start_time >= ${timestamp(fromMs)} and start_time < ${timestamp(toMs)}
        and day >= ${dayOfMs(fromMs)}::date - 1 and day <= ${dayOfMs(toMs)}::date + 1
      group by project_id, floor(extract(epoch from start_time) / 60), event_name, status`,
  },
  {
    table: "network_rollups",
    source: "network",
    keys: ["host", "port", "operation"],
    values: [
      ["operations", "count"],
      ["errors", "count"],
      ["bytes_sent", "count"],
      ["bytes_received", "count"],
      ["histogram", "histogram"],
      ["latency_sum_ms", "sum"],
    ],
    minutes: (projectId, fromMs, toMs) => sql`
      select project_id, 60, to_timestamp(floor(extract(epoch from start_time) / 60) * 60), host, port, operation,
        count(*), count(*) filter (where error is not null), coalesce(sum(bytes_sent), 0), coalesce(sum(bytes_received), 0),
        ${histogramOf(sql`latency_ms`)}, coalesce(sum(latency_ms), 0)
      from network_ops
      where project_id = ${projectId} and start_time >= ${timestamp(fromMs)} and start_time < ${timestamp(toMs)}
      group by project_id, floor(extract(epoch from start_time) / 60), host, port, operation`,
  },
  // rows of the signals no other rollup counts, for the overview's totals; a trace by the minute it starts
  rowCount(
    "spans",
    "traces",
    (projectId, fromMs, toMs) => sql`
      select project_id, 60, to_timestamp((start_time_unix_nano / 60000000000) * 60), 'traces', count(*)
      from traces
      where project_id = ${projectId} and start_time_unix_nano >= ${nanos(fromMs)} and start_time_unix_nano < ${nanos(toMs)}
        and day >= ${dayOfMs(fromMs)}::date - 1 and day <= ${dayOfMs(toMs)}::date + 1
      group by project_id, start_time_unix_nano / 60000000000`,
  ),
  rowCount(
    "logs",
    "logs",
    (projectId, fromMs, toMs) => sql`
      select project_id, 60, to_timestamp((time_unix_nano / 60000000000) * 60), 'logs', count(*)
      from logs
      where project_id = ${projectId} and time_unix_nano >= ${nanos(fromMs)} and time_unix_nano < ${nanos(toMs)}
      group by project_id, time_unix_nano / 60000000000`,
  ),
  rowCount(
    "events",
    "events",
    (projectId, fromMs, toMs) => sql`
      select project_id, 60, to_timestamp(floor(extract(epoch from time) / 60) * 60), 'events', count(*)
      from events
      where project_id = ${projectId} and time >= ${timestamp(fromMs)} and time < ${timestamp(toMs)}
      group by project_id, floor(extract(epoch from time) / 60)`,
  ),
  rowCount(
    "metrics",
    "metric_points",
    (projectId, fromMs, toMs) => sql`
      select project_id, 60, to_timestamp(floor(extract(epoch from time) / 60) * 60), 'metric_points', count(*)
      from metric_points
      where project_id = ${projectId} and time >= ${timestamp(fromMs)} and time < ${timestamp(toMs)}
      group by project_id, floor(extract(epoch from time) / 60)`,
  ),
];

/** The rollup tables, for partitions and retention. */
export const ROLLUP_TABLES = [...new Set(TABLES.map((t) => t.table))];

const list = (columns: string[]) => sql.raw(columns.join(", "));
const scopeOf = (t: RollupTable) => t.scope ?? sql`true`;

/** The table's columns in the order `minutes` selects them. */
const columnsOf = (t: RollupTable) => ["project_id", "step_seconds", "time", ...t.keys, ...t.values.map(([c]) => c)];

/**
 * Makes the table's hour rows for `hours` (epoch ms) from its minute rows. A key with one minute row in
 * its hour takes that row's values as they are: summing its histograms bucket by bucket would cost some
 * 40 µs a key for nothing, a minute a million keys on the embedded store (a trace whose spans all have
 * names of their own).
 */
function hoursFromMinutes(t: RollupTable, projectId: string, hours: number[]): SQL {
  const first = Math.min(...hours);
  const last = Math.max(...hours) + HOUR_MS;
  const hour = sql.raw(`to_timestamp(floor(extract(epoch from time) / 3600) * 3600)`);
  const values = t.values.map(([c, kind]) => {
    if (kind === "histogram") {
      const size = c === "retry_runs" ? RETRY_RUNS_SIZE : HISTOGRAM_SIZE;
      return sql`tracedeck_histogram_trim(${sumHistograms(sql.raw(c), size)}::bigint[])`;
    }
    if (kind === "max") return sql.raw(`max(${c})`);
    if (kind === "sum") return sql.raw(`sum(${c})`);
    return sql.raw(`sum(${c})::bigint`);
  });
  const keys = list(["project_id", "hour", ...t.keys]);
  return sql`
    with m as materialized (
      select *, ${hour} as hour, count(*) over (partition by project_id, ${hour}, ${list(t.keys)}) as minute_rows
      from ${sql.identifier(t.table)}
      where project_id = ${projectId} and ${scopeOf(t)} and step_seconds = 60
        and time >= ${timestamp(first)} and time < ${timestamp(last)}
        and extract(epoch from time)::bigint / 3600 * 3600000 = any(${sql.raw(`array[${hours.join(",")}]::bigint[]`)})
    )
    insert into ${sql.identifier(t.table)} (${list(columnsOf(t))})
    select project_id, 3600, hour, ${list(t.keys)}, ${list(t.values.map(([c]) => c))}
    from m where minute_rows = 1
    union all
    select project_id, 3600, hour, ${list(t.keys)}, ${sql.join(values, sql`, `)}
    from m where minute_rows > 1
    group by ${keys}`;
}

/** Consecutive minutes (epoch ms, ascending) as [from, to) ranges. */
function minuteRanges(minutes: readonly number[]): { fromMs: number; toMs: number }[] {
  const ranges: { fromMs: number; toMs: number }[] = [];
  for (const m of minutes) {
    const last = ranges.at(-1);
    if (last && last.toMs === m) last.toMs = m + MINUTE_MS;
    else ranges.push({ fromMs: m, toMs: m + MINUTE_MS });
  }
  return ranges;
}

/** A pass's transactions aim at this much time each, so that other work on the database gets its turn between them. */
const STEP_MS = 200;

/**
 * Runs `step` over `items` a slice at a time, each slice in a transaction of its own under the rollup
 * lock: one item first, then twice as many while a slice takes under a quarter of STEP_MS, half as many
 * when one takes longer than it. The embedded store has one connection: a pass in one transaction
 * would keep every request waiting until its end (a minute, for an hour of a million spans). Answers
 * false, having stopped, when another node holds the lock.
 */
export async function inSteps<T>(database: Database, items: readonly T[], step: (tx: Tx, slice: T[]) => Promise<void>) {
  let size = 1;
  for (let at = 0; at < items.length;) {
    const slice = items.slice(at, at + size);
    const started = performance.now();
    const locked = await database.db.transaction(async (tx) => {
      const [lock] = await queryRows<{ locked: boolean }>(
        tx,
        sql`select pg_try_advisory_xact_lock(${ROLLUP_LOCK}) as locked`,
      );
      if (!lock?.locked) return false;
      await step(tx, slice);
      return true;
    });
    if (!locked) return false;
    at += slice.length;
    const ms = performance.now() - started;
    if (ms < STEP_MS / 4) size *= 2;
    else if (ms > STEP_MS) size = Math.max(1, Math.floor(size / 2));
    // what waited meanwhile (a request's query, ingest) goes first
    await new Promise((resolve) => setImmediate(resolve));
  }
  return true;
}

/**
 * Computes one project's rollups of one source anew for these minutes (ascending), then the hours that
 * hold them; answers false when another node's pass holds the lock. Every slice of minutes or hours is
 * computed whole in its transaction, and the minutes stay marked until the pass ends, so until then
 * queries read their raw rows (a partial pass shows nowhere).
 */
async function recompute(database: Database, projectId: string, source: RollupSource, minutes: number[]) {
  const hours = [...new Set(minutes.map((m) => Math.floor(m / HOUR_MS) * HOUR_MS))];
  for (const t of TABLES.filter((t) => t.source === source)) {
    const minutesDone = await inSteps(database, minutes, async (tx, slice) => {
      for (const { fromMs, toMs } of minuteRanges(slice)) {
        await tx.execute(sql`delete from ${sql.identifier(t.table)}
          where project_id = ${projectId} and ${scopeOf(t)} and step_seconds = 60
            and time >= ${timestamp(fromMs)} and time < ${timestamp(toMs)}`);
        await tx.execute(
          sql`insert into ${sql.identifier(t.table)} (${list(columnsOf(t))}) ${t.minutes(projectId, fromMs, toMs)}`,
        );
      }
    });
    if (!minutesDone) return false;
    const hoursDone = await inSteps(database, hours, async (tx, slice) => {
      await tx.execute(sql`delete from ${sql.identifier(t.table)}
        where project_id = ${projectId} and ${scopeOf(t)} and step_seconds = 3600
          and time = any(${sql.raw(`array[${slice.map((h) => `to_timestamp(${h / 1000})`).join(",")}]`)})`);
      await tx.execute(hoursFromMinutes(t, projectId, slice));
    });
    if (!hoursDone) return false;
  }
  return true;
}

type Mark = {
  project_id: string;
  source: RollupSource;
  minute_ms: number;
  marked_at: string;
};

export interface RollupPassResult {
  /** false when another node held the lock */
  ran: boolean;
  /** marked minutes computed */
  minutes: number;
  /** whether marks remain for another pass */
  more: boolean;
}

/**
 * One rollup pass over (at most a day of) the marked minutes, oldest first, in short transactions
 * under an advisory lock, so one node computes a minute at a time; a node that finds the lock taken
 * leaves the pass to the node holding it.
 */
export async function refreshRollups(database: Database, { limit = MARKS_PER_PASS } = {}): Promise<RollupPassResult> {
  const marks = await queryRows<Mark>(
    database.db,
    sql`select project_id, source, (extract(epoch from minute) * 1000)::float8 as minute_ms, marked_at::text as marked_at
        from rollup_marks order by minute, project_id, source limit ${limit + 1}`,
  );
  const taken = marks.slice(0, limit);
  if (taken.length === 0) return { ran: true, minutes: 0, more: false };
  // the partitions the rows will go to exist first: creating one locks its table a moment
  const days = [...new Set(taken.map((m) => dayOfMs(m.minute_ms)))];
  await createPartitions(database.db, ROLLUP_TABLES, days);
  const groups = new Map<string, { projectId: string; source: RollupSource; minutes: number[] }>();
  for (const m of taken) {
    const key = `${m.project_id}/${m.source}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { projectId: m.project_id, source: m.source, minutes: [] }));
    group.minutes.push(m.minute_ms);
  }
  for (const { projectId, source, minutes } of groups.values()) {
    const done = await recompute(
      database,
      projectId,
      source,
      minutes.sort((a, b) => a - b),
    );
    if (!done) return { ran: false, minutes: 0, more: true };
  }
  // Once the rollups are committed, in a short transaction of its own: writers marking these minutes
  // meanwhile wait for it, not for the whole pass. A minute marked again since it was read has a later
  // marked_at and keeps its mark, for the next pass; a pass that fails before this computes them again.
  await database.db.execute(sql`
    delete from rollup_marks m
    using json_to_recordset(${JSON.stringify(taken)}::json) as x(project_id uuid, source text, minute_ms float8, marked_at timestamptz)
    where m.project_id = x.project_id and m.source = x.source and m.minute = to_timestamp(x.minute_ms / 1000)
      and m.marked_at <= x.marked_at`);
  return { ran: true, minutes: taken.length, more: marks.length > limit };
}

/**
 * Runs rollup passes until no marks remain, waiting its turn while another node's pass holds the
 * lock; answers how many minutes this process computed. For tests, benchmarks and tools.
 */
export async function refreshAllRollups(database: Database): Promise<number> {
  let total = 0;
  for (;;) {
    const { ran, minutes, more } = await refreshRollups(database);
    total += minutes;
    if (ran && !more) return total;
    if (!ran) await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A minute mark the writer makes: the rows of `source` changed in the minute starting at `minuteMs`. */
export interface RollupMark {
  projectId: string;
  source: RollupSource;
  minuteMs: number;
}

export const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/**
 * Adds to `out` the minutes a span's rollups depend on: those it covers, as its children start there (at most an
 * hour of them).
 */
export function addSpanMinutes(out: Set<number>, startMs: number, endMs: number): void {
  const first = minuteOf(startMs);
  const last = Math.min(minuteOf(Math.max(endMs, startMs)), first + (MAX_MINUTES_PER_SPAN - 1) * MINUTE_MS);
  for (let m = first; m <= last; m += MINUTE_MS) out.add(m);
}

/** Marks minutes for the rollup pass, in the writer's transaction (so the marks commit with the rows). */
export async function markMinutes(tx: Tx, marks: RollupMark[]): Promise<void> {
  if (marks.length === 0) return;
  const unique = new Map<string, RollupMark>();
  for (const m of marks) unique.set(`${m.projectId}/${m.source}/${m.minuteMs}`, m);
  const rows = [...unique.values()]
    .sort((a, b) =>
      a.projectId < b.projectId
        ? -1
        : a.projectId > b.projectId
          ? 1
          : a.source < b.source
            ? -1
            : a.source > b.source
              ? 1
              : a.minuteMs - b.minuteMs,
    )
    .map((m) => ({ project_id: m.projectId, source: m.source, minute_ms: m.minuteMs }));
  // in key order, so concurrent transactions take the rows' locks in the same order
  await tx.execute(sql`
    insert into rollup_marks (project_id, source, minute, marked_at)
    select project_id, source, to_timestamp(minute_ms / 1000), clock_timestamp()
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(project_id uuid, source text, minute_ms float8)
    order by project_id, source, minute_ms
    on conflict (project_id, source, minute) do update set marked_at = excluded.marked_at`);
}

/** Runs rollup passes every `intervalMs` (at once again while a backfill has more); answers how to stop. */
export function startRollups(
  database: Database,
  options: { intervalMs: number; log?: (message: string) => void },
): () => void {
  const log = options.log ?? ((message: string) => console.log(`tracedeck: ${message}`));
  let failing = false;
  return repeat(async () => {
    try {
      const { more, ran } = await refreshRollups(database);
      failing = false;
      // a backfill goes on at once
      return more && ran ? 0 : options.intervalMs;
    } catch (error) {
      // said once until a pass succeeds again, not every few seconds
      if (!failing) log(`rollups failed, trying again: ${(error as Error).message}`);
      failing = true;
      return options.intervalMs;
    }
  });
}
