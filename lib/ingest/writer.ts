import { createHash } from "node:crypto";
import { getTableColumns, getTableName, sql, type Column, type SQL } from "drizzle-orm";
import { toSnakeCase } from "drizzle-orm/casing";
import type { PgTable } from "drizzle-orm/pg-core";
import { isCopyRefused, type CopyIn, type Database, type Db } from "@/db";
import { dayNumberOfNanos, dayOfNanos, dayOfNumber, PartitionCache, type PartitionedTable } from "@/db/partitions";
import {
  events,
  logs,
  metricPoints,
  metricSeries,
  networkOps,
  pipelineEvents,
  spans,
  traces,
  type RollupSource,
} from "@/db/schema";
import { config } from "@/lib/config";
import { isDatabaseUnavailable, isDeadlock, isMissingPartition, isSerializationFailure } from "@/db/errors";
import { ApiError } from "@/lib/errors";
import type { DroppedCounts, RecordBatch } from "@/lib/model/records";
import { nanosToIsoMicros } from "@/lib/model/time";
import { currentRetention, type Retention } from "@/lib/storage/retention";
import { addSpanMinutes, markMinutes, minuteOf, type RollupMark } from "@/lib/storage/rollups";
import {
  addNetworkCounts,
  addPipelineCounts,
  mergeNetworkOps,
  mergePipelineEvents,
  type NetworkAdded,
  type PipelineAdded,
} from "./counters";
import { copyText } from "./copy";
import { withinStorage, type NotStored } from "./window";

// The ingest writer. Concurrent requests hand it their records; while one transaction commits,
// the next requests queue, and the following transaction takes them all (group commit). Each
// caller's promise settles after the transaction holding its records commits.
//
// Rows travel as one JSON document per table, expanded by json_to_recordset: one statement per
// table per transaction, the same SQL on Postgres and PGlite, and no parameter-count limits.
// The columns those statements name, and their SQL types, come from the Drizzle tables, and the
// JSON rows are typed by them: a column added to a table is a type error here until the writer
// fills it or leaves it to the database by name.
//
// The tables are partitioned by day: before a transaction, the writer makes sure each day its rows
// fall on has its partition, and records outside the retention window are not stored at all.
// Each transaction also marks the minutes it changed, for the rollup pass to compute again.

type Tx = Pick<Db, "execute">;

interface Pending {
  projectId: string;
  batch: RecordBatch;
  rows: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Rows per transaction: large enough to amortize the commit, small enough to keep latency low. */
const MAX_ROWS_PER_TRANSACTION = 20_000;
/**
 * Rows per statement: a transaction's rows of a table go in as statements of at most this many, so each statement's
 * JSON document stays a megabyte or so. PGlite's memory grows to what its largest statement needed and stays there.
 */
const MAX_ROWS_PER_STATEMENT = 2_000;
/** Rows waiting for a transaction; past this, ingest answers 503 and clients retry later. */
export const MAX_QUEUED_ROWS = 200_000;

/** A column's key in the JSON rows: its schema key in snake_case, as the SQL names it (checked in insertColumns). */
type SnakeCase<S extends string> = S extends `${infer C}${infer Rest}`
  ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${SnakeCase<Rest>}`
  : S;
const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** the casing db/client.ts and drizzle.config.ts give the database */
const columnName = (column: Column) => (column.keyAsName ? toSnakeCase(column.name) : column.name);

/** The columns an insert fills: generated ones are the database's own. */
type InsertKey<T extends PgTable> = keyof T["$inferInsert"] & string;

/** A column's value in the JSON document: what JSON cannot hold (bigint, Date) travels as text. */
type JsonValue<C extends Column> =
  (C["_"]["data"] extends bigint | Date ? string : C["_"]["data"]) | (C["_"]["notNull"] extends true ? never : null);

/** One row of a table's JSON document, keyed by column name. */
type JsonRow<T extends PgTable, K extends InsertKey<T>> = {
  [P in K as SnakeCase<P>]: JsonValue<T["_"]["columns"][P]>;
};

interface Columns<Row> {
  readonly columns: { name: string; type: string }[];
  /** only a type: the JSON row that carries these columns */
  readonly row?: Row;
}
type RowOf<C> = C extends Columns<infer Row> ? Row : never;

/** A table's columns the writer fills: every one but the generated ones and those named in `leave`. */
function insertColumns<T extends PgTable, Leave extends InsertKey<T> = never>(
  table: T,
  leave: readonly Leave[] = [],
): Columns<JsonRow<T, Exclude<InsertKey<T>, Leave>>> {
  const left = new Set<string>(leave);
  const filled = Object.entries(getTableColumns(table)).filter(
    ([key, column]) => !left.has(key) && !column.generated && !column.generatedIdentity,
  );
  for (const [key, column] of filled) {
    if (columnName(column) !== snakeCase(key))
      throw new Error(
        `the writer's rows spell ${getTableName(table)}.${key} ${snakeCase(key)}, not ${columnName(column)}`,
      );
  }
  return { columns: filled.map(([, column]) => ({ name: columnName(column), type: column.getSQLType() })) };
}

/**
 * `a, b, …`: an insert's column list, or the select that feeds it, its columns read from `from`;
 * `replace` gives some columns another expression.
 */
function columnList<Row>(
  { columns }: Columns<Row>,
  { from, replace = {} }: { from?: string; replace?: Partial<Record<keyof Row & string, SQL>> } = {},
): SQL {
  const replaced: Partial<Record<string, SQL>> = replace;
  return sql.join(
    columns.map(
      ({ name }) =>
        replaced[name] ?? (from ? sql`${sql.identifier(from)}.${sql.identifier(name)}` : sql.identifier(name)),
    ),
    sql`, `,
  );
}

/** The JSON document as a relation `x` with the columns of one or more tables. */
function recordset<Row>(rows: Row[], ...tables: Columns<unknown>[]): SQL {
  const definitions = tables.flatMap(({ columns }) =>
    columns.map(({ name, type }) => sql`${sql.identifier(name)} ${sql.raw(type)}`),
  );
  return sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${sql.join(definitions, sql`, `)})`;
}

const spanColumns = insertColumns(spans);
const traceColumns = insertColumns(traces);
/** what spans add to a trace's row: all of it but the partition, which the row keeps */
const summaryColumns = insertColumns(traces, ["day"]);
const eventColumns = insertColumns(events, ["id"]);
const logColumns = insertColumns(logs, ["id"]);
const seriesColumns = insertColumns(metricSeries);
const pointColumns = insertColumns(metricPoints);
/** a point's own columns: its series gives the project and the series id */
const pointValueColumns = insertColumns(metricPoints, ["projectId", "seriesId"]);
const pipelineEventColumns = insertColumns(pipelineEvents, ["updatedAt"]);
const networkOpColumns = insertColumns(networkOps, ["id"]);

const text = (nanos: bigint) => nanos.toString();
/** the UTC day of a column of epoch nanoseconds, as db/partitions.ts's dayOfNanos */
const DAY_OF_NANOS = (column: string) => sql.raw(`(date '1970-01-01' + (${column} / 86400000000000)::int)`);
function micros(nanos: bigint): string;
function micros(nanos: bigint | null): string | null;
function micros(nanos: bigint | null): string | null {
  return nanos === null ? null : nanosToIsoMicros(nanos);
}

export function rowCount(batch: RecordBatch): number {
  return (
    (batch.spans?.length ?? 0) +
    (batch.events?.length ?? 0) +
    (batch.logs?.length ?? 0) +
    (batch.metrics?.length ?? 0) +
    (batch.pipelineEvents?.length ?? 0) +
    (batch.networkOps?.length ?? 0)
  );
}

/**
 * The rows in slices of MAX_ROWS_PER_STATEMENT, one statement each. Rows whose statements lock rows of another table
 * by `key` (a trace's summary, a metric's series) are put in key order first, so that concurrent transactions take
 * those locks in one order, as a single statement ordered by key does.
 */
function statements<T>(rows: T[], key?: (row: T) => string): T[][] {
  const ordered =
    key && rows.length > MAX_ROWS_PER_STATEMENT
      ? rows
          .map((row) => ({ k: key(row), row }))
          .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
          .map(({ row }) => row)
      : rows;
  const out: T[][] = [];
  for (let i = 0; i < ordered.length; i += MAX_ROWS_PER_STATEMENT)
    out.push(ordered.slice(i, i + MAX_ROWS_PER_STATEMENT));
  return out;
}

/**
 * Splits rows so that no key repeats within a round: Postgres cannot update one row twice in
 * one statement, so the second report of a task merges in the next statement.
 */
function rounds<T>(rows: T[], key: (row: T) => string): T[][] {
  const out: { key: string; row: T }[][] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const k = key(row);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    (out[n] ??= []).push({ key: k, row });
  }
  // each round in key order, so concurrent transactions lock rows in the same order
  return out.map((round) => round.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((r) => r.row));
}

const sortedEntries = (record: Record<string, unknown>) =>
  Object.keys(record)
    .sort()
    .map((k) => [k, record[k]]);

export function seriesHash(
  name: string,
  serviceName: string | null,
  tags: Record<string, string>,
  resourceAttributes: Record<string, unknown>,
): string {
  return createHash("sha256")
    .update(JSON.stringify([name, serviceName, sortedEntries(tags), sortedEntries(resourceAttributes)]))
    .digest("hex");
}

/** the model's dropped counts name the keys that the schema's record leaves open */
type SpanRow = Omit<RowOf<typeof spanColumns>, "dropped"> & { dropped: DroppedCounts | null };

/** What a trace's new spans add to its summary, named as the columns of traces. */
type SummaryRow = Omit<RowOf<typeof summaryColumns>, "services"> & { services: string[] };

/** The summaries of the group's spans, all new to the store, one per trace. */
function summaries(group: Pending[]): SummaryRow[] {
  const byTrace = new Map<string, { summary: SummaryRow; start: bigint; end: bigint; rootStart: bigint | null }>();
  for (const { projectId, batch } of group) {
    for (const s of batch.spans ?? []) {
      const key = `${projectId}/${s.traceId}`;
      const start = s.startTimeUnixNano;
      const end = s.endTimeUnixNano;
      let t = byTrace.get(key);
      if (!t) {
        const summary: SummaryRow = {
          project_id: projectId,
          trace_id: s.traceId,
          start_time_unix_nano: text(start),
          end_time_unix_nano: text(end),
          span_count: 0,
          error_count: 0,
          root_service_name: null,
          root_name: null,
          services: [],
        };
        byTrace.set(key, (t = { summary, start, end, rootStart: null }));
      }
      const { summary } = t;
      summary.span_count += 1;
      if (s.statusCode === "error") summary.error_count += 1;
      if (start < t.start) {
        t.start = start;
        summary.start_time_unix_nano = text(start);
      }
      if (end > t.end) {
        t.end = end;
        summary.end_time_unix_nano = text(end);
      }
      if (s.parentSpanId === null && (t.rootStart === null || start < t.rootStart)) {
        t.rootStart = start;
        summary.root_service_name = s.serviceName;
        summary.root_name = s.name;
      }
      if (!summary.services.includes(s.serviceName)) summary.services.push(s.serviceName);
    }
  }
  return [...byTrace.values()].map((t) => t.summary);
}

/**
 * Adds summaries (a query named as the columns of traces, one row per trace, services in any order) to the traces'
 * rows; `before`: common table expressions the summary query reads.
 */
function upsertSummaries(summary: SQL, before?: SQL): SQL {
  return sql`
    with ${before ? sql`${before},` : sql``}
    summary as (${summary}),
    placed as (
      -- the summary lives in the partition of its first span's day; a trace that crosses midnight
      -- widens the row it already has on the neighbouring day
      select s.*, coalesce(
        (select t.day from traces t
          where t.project_id = s.project_id and t.trace_id = s.trace_id
            and t.day between s.first_day - 1 and s.first_day + 1
          order by t.day limit 1),
        s.first_day) as day
      from (select *, ${DAY_OF_NANOS("start_time_unix_nano")} as first_day from summary) s
    )
    insert into traces as t (${columnList(traceColumns)})
    select ${columnList(traceColumns, { replace: { services: sql`array(select distinct s from unnest(services) as s order by s)` } })}
    from placed
    order by project_id, trace_id
    on conflict (project_id, trace_id, day) do update set
      start_time_unix_nano = least(t.start_time_unix_nano, excluded.start_time_unix_nano),
      end_time_unix_nano = greatest(t.end_time_unix_nano, excluded.end_time_unix_nano),
      span_count = t.span_count + excluded.span_count,
      error_count = t.error_count + excluded.error_count,
      root_service_name = case when excluded.root_name is not null
        and (t.root_name is null or excluded.start_time_unix_nano < t.start_time_unix_nano)
        then excluded.root_service_name else t.root_service_name end,
      root_name = case when excluded.root_name is not null
        and (t.root_name is null or excluded.start_time_unix_nano < t.start_time_unix_nano)
        then excluded.root_name else t.root_name end,
      services = array(select distinct s from unnest(t.services || excluded.services) as s order by s)
  `;
}

const copySpans = `copy spans (${spanColumns.columns.map(({ name }) => `"${name}"`).join(", ")}) from stdin`;

async function writeSpans(tx: Tx, group: Pending[], copy?: CopyIn): Promise<void> {
  const rows: SpanRow[] = group.flatMap(({ projectId, batch }) =>
    (batch.spans ?? []).map((s) => ({
      project_id: projectId,
      trace_id: s.traceId,
      span_id: s.spanId,
      parent_span_id: s.parentSpanId,
      name: s.name,
      service_name: s.serviceName,
      kind: s.kind,
      status_code: s.statusCode,
      status_message: s.statusMessage,
      start_time_unix_nano: text(s.startTimeUnixNano),
      end_time_unix_nano: text(s.endTimeUnixNano),
      trace_state: s.traceState,
      attributes: s.attributes,
      resource_attributes: s.resourceAttributes,
      events: s.events,
      links: s.links,
      scope: s.scope,
      flags: s.flags,
      dropped: s.dropped,
    })),
  );
  if (rows.length === 0) return;
  // Postgres: COPY the spans in. It fails whole when one of them is stored already (a retried batch), and the
  // writer then runs the transaction again without it; so when it succeeds, every span is new, and the summaries
  // are those of the rows themselves.
  if (copy) {
    await copy(copySpans, copyText(rows, spanColumns.columns));
    await tx.execute(upsertSummaries(sql`select * from ${recordset(summaries(group), summaryColumns)}`));
    return;
  }
  // Only spans new to the store count toward their trace's summary, so a retried batch changes nothing.
  for (const slice of statements(rows, (r) => `${r.project_id}\u0000${r.trace_id}`)) {
    await tx.execute(
      upsertSummaries(
        sql`
      select project_id, trace_id,
        min(start_time_unix_nano) as start_time_unix_nano,
        max(end_time_unix_nano) as end_time_unix_nano,
        count(*)::int as span_count,
        (count(*) filter (where status_code = 'error'))::int as error_count,
        (array_agg(service_name order by start_time_unix_nano) filter (where parent_span_id is null))[1] as root_service_name,
        (array_agg(name order by start_time_unix_nano) filter (where parent_span_id is null))[1] as root_name,
        array_agg(distinct service_name) as services
      from inserted
      group by project_id, trace_id`,
        sql`
      inserted as (
        insert into spans (${columnList(spanColumns)})
        select ${columnList(spanColumns)}
        from ${recordset(slice, spanColumns)}
        on conflict do nothing
        returning project_id, trace_id, parent_span_id, name, service_name, status_code,
          start_time_unix_nano, end_time_unix_nano
      )`,
      ),
    );
  }
}

async function writeEvents(tx: Tx, group: Pending[]): Promise<void> {
  const rows: RowOf<typeof eventColumns>[] = group.flatMap(({ projectId, batch }) =>
    (batch.events ?? []).map((e) => ({
      project_id: projectId,
      name: e.name,
      time: micros(e.time),
      service_name: e.serviceName,
      trace_id: e.traceId,
      span_id: e.spanId,
      attributes: e.attributes,
    })),
  );
  for (const slice of statements(rows)) {
    await tx.execute(sql`
      insert into events (${columnList(eventColumns)})
      select ${columnList(eventColumns)}
      from ${recordset(slice, eventColumns)}
    `);
  }
}

async function writeLogs(tx: Tx, group: Pending[]): Promise<void> {
  const rows: RowOf<typeof logColumns>[] = group.flatMap(({ projectId, batch }) =>
    (batch.logs ?? []).map((l) => ({
      project_id: projectId,
      time_unix_nano: text(l.timeUnixNano),
      observed_time_unix_nano: text(l.observedTimeUnixNano),
      severity_number: l.severityNumber,
      severity_text: l.severityText,
      // wrapped so that a JSON null body stays distinct from "no body"
      body: l.body === undefined ? null : { v: l.body },
      service_name: l.serviceName,
      trace_id: l.traceId,
      span_id: l.spanId,
      attributes: l.attributes,
      resource_attributes: l.resourceAttributes,
      scope: l.scope,
      flags: l.flags,
      event_name: l.eventName,
      dropped_attributes_count: l.droppedAttributesCount,
    })),
  );
  for (const slice of statements(rows)) {
    await tx.execute(sql`
      insert into logs (${columnList(logColumns)})
      select ${columnList(logColumns, { replace: { body: sql`body -> 'v'` } })}
      from ${recordset(slice, logColumns)}
    `);
  }
}

async function writeMetrics(tx: Tx, group: Pending[]): Promise<void> {
  const rows: (RowOf<typeof seriesColumns> & RowOf<typeof pointValueColumns>)[] = group.flatMap(
    ({ projectId, batch }) =>
      (batch.metrics ?? []).map((m) => ({
        project_id: projectId,
        series_hash: seriesHash(m.name, m.serviceName, m.tags, m.resourceAttributes),
        name: m.name,
        type: m.type,
        unit: m.unit,
        description: m.description,
        service_name: m.serviceName,
        temporality: m.temporality,
        tags: m.tags,
        resource_attributes: m.resourceAttributes,
        scope: m.scope,
        time: micros(m.time),
        start_time: micros(m.startTime),
        flags: m.flags,
        exemplars: m.exemplars,
        value: m.value,
        count: m.count,
        sum: m.sum,
        min: m.min,
        max: m.max,
        bounds: m.bounds,
        bucket_counts: m.bucketCounts,
        distribution: m.distribution ?? null,
      })),
  );
  for (const slice of statements(rows, (r) => `${r.project_id}\u0000${r.series_hash}`)) {
    const input = recordset(slice, seriesColumns, pointValueColumns);
    // Two statements: the second sees series the first created, and series another writer created
    // concurrently (the first waits for that writer's commit on the unique index).
    await tx.execute(sql`
      insert into metric_series (${columnList(seriesColumns)})
      select distinct on (project_id, series_hash) ${columnList(seriesColumns)}
      from ${input}
      order by project_id, series_hash
      on conflict (project_id, series_hash) do nothing
    `);
    await tx.execute(sql`
      insert into metric_points (${columnList(pointColumns)})
      select ${columnList(pointColumns, { from: "x", replace: { series_id: sql`s.id` } })}
      from ${input}
      join metric_series s on s.project_id = x.project_id and s.series_hash = x.series_hash
    `);
  }
}

/**
 * Whether a report supersedes the row: it is of a later attempt (more retries), or of the row's
 * attempt while that runs, or ends the row's attempt later than the end the row holds. Anything
 * else is older news (reports arrive out of order, and batches are sent again): a pending report
 * of an attempt that ended, a report of an earlier attempt, an earlier end.
 */
const supersedes = sql.raw(
  `(excluded.retry_count > p.retry_count or (excluded.retry_count = p.retry_count and (p.status = 'pending'
    or (excluded.status <> 'pending' and (p.end_time is null or excluded.end_time > p.end_time)))))`,
);

/**
 * Whether the merged report ends an attempt the row does not hold yet: it supersedes, ends, and its
 * status or end differs from the row's. As a report superseding an ended attempt is of a later
 * attempt or a later end, the row never goes back to an end it held: each is counted once.
 */
const endsAnAttempt = sql`(${supersedes} and excluded.status <> 'pending' and excluded.end_time is not null
  and (excluded.status <> p.status or excluded.end_time is distinct from p.end_time))`;

async function writePipelineEvents(tx: Tx, group: Pending[]): Promise<void> {
  const rows: RowOf<typeof pipelineEventColumns>[] = group.flatMap(({ projectId, batch }) =>
    (batch.pipelineEvents ?? []).map((e) => ({
      project_id: projectId,
      task_id: e.taskId,
      event_name: e.eventName,
      start_time: micros(e.startTime),
      end_time: micros(e.endTime),
      status: e.status,
      error: e.error,
      retry_count: e.retryCount,
      process_id: e.processId,
      attributes: e.attributes,
      // a task's first report adds itself to the counters; a later one, what the merge changes (below)
      added_outcome: e.status !== "pending" && e.endTime !== null,
      added_retries: e.retryCount,
      day: dayOfNanos(e.startTime),
    })),
  );
  const added: PipelineAdded[] = [];
  for (const round of rounds(rows, (r) => `${r.project_id}\u0000${r.task_id}`).flatMap((round) => statements(round))) {
    // A report that supersedes gives the row its status, end and error. Retry counts never go down.
    // A task lives in the partition of its first report's day: a later report (a retry that
    // starts after midnight) merges into the row the task already has on the neighbouring day.
    // Each attempt that ends is counted once, in the status it ended with: a failed attempt stays
    // counted as failed when the task is retried and completes (GET /metrics's counters only grow).
    const merged = await mergePipelineEvents(
      tx,
      sql`
      insert into pipeline_events as p (${columnList(pipelineEventColumns)})
      select ${columnList(pipelineEventColumns, {
        from: "x",
        replace: {
          day: sql`coalesce(
            (select e.day from pipeline_events e
              where e.project_id = x.project_id and e.task_id = x.task_id and e.day between x.day - 1 and x.day + 1
              order by e.day limit 1),
            x.day)`,
        },
      })}
      from ${recordset(round, pipelineEventColumns)}
      on conflict (project_id, task_id, day) do update set
        event_name = excluded.event_name,
        start_time = least(p.start_time, excluded.start_time),
        status = case when ${supersedes} then excluded.status else p.status end,
        end_time = case when ${supersedes} then excluded.end_time else p.end_time end,
        error = case when not ${supersedes} then p.error
          when excluded.status = 'completed' then null
          else coalesce(excluded.error, p.error) end,
        retry_count = greatest(p.retry_count, excluded.retry_count),
        process_id = coalesce(excluded.process_id, p.process_id),
        attributes = p.attributes || excluded.attributes,
        updated_at = now(),
        added_outcome = ${endsAnAttempt},
        added_retries = greatest(p.retry_count, excluded.retry_count) - p.retry_count
    `,
    );
    added.push(...merged);
  }
  await addPipelineCounts(tx, added);
}

async function writeNetworkOps(tx: Tx, group: Pending[]): Promise<void> {
  const rows: RowOf<typeof networkOpColumns>[] = group.flatMap(({ projectId, batch }) =>
    (batch.networkOps ?? []).map((n) => ({
      project_id: projectId,
      task_id: n.taskId,
      host: n.host,
      port: n.port,
      operation: n.operation,
      start_time: micros(n.startTime),
      end_time: micros(n.endTime),
      bytes_sent: n.bytesSent,
      bytes_received: n.bytesReceived,
      error: n.error,
      // an operation's first report adds itself to the counters; a later one, what the merge changes (below)
      added_end: n.endTime !== null,
      added_bytes_sent: n.bytesSent,
      added_bytes_received: n.bytesReceived,
    })),
  );
  const identity = (r: (typeof rows)[number]) =>
    [r.project_id, r.task_id, r.host, r.port, r.operation, r.start_time].join("\u0000");
  const added: NetworkAdded[] = [];
  for (const round of rounds(rows, identity).flatMap((round) => statements(round))) {
    // An operation's start report and its end report merge into one row. Its latency is counted
    // once, when it first has an end; bytes by what each report raises them.
    const merged = await mergeNetworkOps(
      tx,
      sql`
      insert into network_ops as n (${columnList(networkOpColumns)})
      select ${columnList(networkOpColumns)}
      from ${recordset(round, networkOpColumns)}
      on conflict (project_id, task_id, host, port, operation, start_time) do update set
        end_time = coalesce(excluded.end_time, n.end_time),
        bytes_sent = greatest(n.bytes_sent, excluded.bytes_sent),
        bytes_received = greatest(n.bytes_received, excluded.bytes_received),
        error = coalesce(excluded.error, n.error),
        added_end = n.end_time is null and excluded.end_time is not null,
        added_bytes_sent = greatest(n.bytes_sent, excluded.bytes_sent) - n.bytes_sent,
        added_bytes_received = greatest(n.bytes_received, excluded.bytes_received) - n.bytes_received
    `,
    );
    added.push(...merged);
  }
  await addNetworkCounts(tx, added);
}

const nanosToMs = (nanos: bigint) => Number(nanos / 1_000_000n);

/** The minutes whose rollups the group's rows change (lib/storage/rollups.ts computes them again), each once. */
function rollupMarks(group: Pending[]): RollupMark[] {
  const minutes = new Map<string, { projectId: string; source: RollupSource; minutes: Set<number> }>();
  const of = (projectId: string, source: RollupSource) => {
    const key = `${projectId}/${source}`;
    let entry = minutes.get(key);
    if (!entry) minutes.set(key, (entry = { projectId, source, minutes: new Set() }));
    return entry.minutes;
  };
  const each = <T>(projectId: string, source: RollupSource, records: T[] | undefined, time: (record: T) => bigint) => {
    if (!records?.length) return;
    const set = of(projectId, source);
    for (const record of records) set.add(minuteOf(nanosToMs(time(record))));
  };
  for (const { projectId, batch } of group) {
    if (batch.spans?.length) {
      const set = of(projectId, "spans");
      for (const s of batch.spans) addSpanMinutes(set, nanosToMs(s.startTimeUnixNano), nanosToMs(s.endTimeUnixNano));
    }
    each(projectId, "pipeline", batch.pipelineEvents, (e) => e.startTime);
    each(projectId, "network", batch.networkOps, (n) => n.startTime);
    each(projectId, "logs", batch.logs, (l) => l.timeUnixNano);
    each(projectId, "events", batch.events, (e) => e.time);
    each(projectId, "metrics", batch.metrics, (m) => m.time);
  }
  const marks: RollupMark[] = [];
  for (const { projectId, source, minutes: set } of minutes.values())
    for (const minuteMs of set) marks.push({ projectId, source, minuteMs });
  return marks;
}

const DEADLOCK_RETRIES = 3;

export interface WriterOptions {
  /** transactions in flight at once (PGlite has one connection: 1) */
  concurrency?: number;
  maxQueuedRows?: number;
  /** the retention in force (default: the database's settings, re-read every 30 s) */
  retention?: () => Promise<Retention>;
  now?: () => Date;
}

/** Told of every committed batch (server-side publishers forward from here); must return at once and never throw. */
export type CommitListener = (projectId: string, batch: RecordBatch) => void;

export class IngestWriter {
  private queue: Pending[] = [];
  private readonly listeners = new Set<CommitListener>();
  private queuedRows = 0;
  private flushers = 0;
  /** committed transactions and the batches they carried: batches/transactions is the grouping */
  readonly stats = { transactions: 0, batches: 0 };

  /** rows waiting for a transaction */
  get queued(): number {
    return this.queuedRows;
  }

  private readonly database: Database;
  private readonly db: Db;
  private readonly concurrency: number;
  private readonly maxQueuedRows: number;
  private readonly retention: () => Promise<Retention>;
  private readonly now: () => Date;
  private readonly partitions: PartitionCache;

  constructor(database: Database, options: WriterOptions = {}) {
    this.database = database;
    this.db = database.db;
    this.concurrency = options.concurrency ?? 1;
    this.maxQueuedRows = options.maxQueuedRows ?? MAX_QUEUED_ROWS;
    this.retention = options.retention ?? (() => currentRetention(database));
    this.now = options.now ?? (() => new Date());
    this.partitions = new PartitionCache(database.db);
  }

  /** Calls `listener` after each commit with the batches it held; returns how to stop. */
  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Stores a batch; resolves once it is committed, with the records it did not store (outside
   * the retention window) and why.
   */
  async write(projectId: string, input: RecordBatch): Promise<{ notStored: NotStored[] }> {
    if (rowCount(input) === 0) return { notStored: [] };
    const { batch, notStored } = withinStorage(input, await this.retention(), this.now());
    const rows = rowCount(batch);
    if (rows === 0) return { notStored };
    if (this.queuedRows > 0 && this.queuedRows + rows > this.maxQueuedRows) {
      throw new ApiError("unavailable", "ingest is saturated; retry later", undefined, 1);
    }
    this.queuedRows += rows;
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ projectId, batch, rows, resolve, reject });
      if (this.flushers < this.concurrency) void this.flush();
    });
    return { notStored };
  }

  private take(): Pending[] {
    const group: Pending[] = [];
    let rows = 0;
    while (this.queue.length > 0 && (group.length === 0 || rows + this.queue[0]!.rows <= MAX_ROWS_PER_TRANSACTION)) {
      const next = this.queue.shift()!;
      rows += next.rows;
      this.queuedRows -= next.rows;
      group.push(next);
    }
    return group;
  }

  private async flush(): Promise<void> {
    this.flushers += 1;
    try {
      while (this.queue.length > 0) {
        const group = this.take();
        try {
          await this.commit(group);
          for (const p of group) p.resolve();
        } catch (error) {
          if (group.length === 1 || isDatabaseUnavailable(error)) {
            for (const p of group) p.reject(error);
            continue;
          }
          // one batch's failure must not fail the others it shared a transaction with
          for (const p of group) {
            try {
              await this.commit([p]);
              p.resolve();
            } catch (own) {
              p.reject(own);
            }
          }
        }
      }
    } finally {
      this.flushers -= 1;
    }
  }

  /** The partitions the group's rows fall in exist (made outside the transaction: it locks the table a moment). */
  private async ensurePartitions(group: Pending[]): Promise<void> {
    const days = new Map<PartitionedTable, Set<number>>();
    const add = (table: PartitionedTable, nanos: bigint) => {
      let set = days.get(table);
      if (!set) days.set(table, (set = new Set()));
      set.add(dayNumberOfNanos(nanos));
    };
    for (const { batch } of group) {
      for (const s of batch.spans ?? []) add("spans", s.startTimeUnixNano);
      for (const e of batch.events ?? []) add("events", e.time);
      for (const l of batch.logs ?? []) add("logs", l.timeUnixNano);
      for (const m of batch.metrics ?? []) add("metric_points", m.time);
      for (const p of batch.pipelineEvents ?? []) add("pipeline_events", p.startTime);
      for (const n of batch.networkOps ?? []) add("network_ops", n.startTime);
    }
    // a trace's summary lives on the day of its first span
    const spanDays = days.get("spans");
    if (spanDays) days.set("traces", spanDays);
    for (const [table, set] of days) await this.partitions.ensure(table, [...set].map(dayOfNumber));
  }

  /** `copy`: on Postgres, spans go in with COPY unless the server refused it for this group already. */
  private async commit(group: Pending[], attempt = 1, copy = true): Promise<void> {
    try {
      await this.ensurePartitions(group);
      const write = async (tx: Tx, copy?: CopyIn) => {
        await writeSpans(tx, group, copy);
        await writeEvents(tx, group);
        await writeLogs(tx, group);
        await writeMetrics(tx, group);
        await writePipelineEvents(tx, group);
        await writeNetworkOps(tx, group);
        // last: concurrent transactions marking the same minute wait here only for each other's commit
        await markMinutes(tx, rollupMarks(group));
      };
      await ((copy && this.database.copyTransaction?.(write)) || this.db.transaction((tx) => write(tx)));
    } catch (error) {
      // the COPY was refused, and the transaction rolled back: a span is stored already, so insert, skipping it
      if (isCopyRefused(error)) return this.commit(group, attempt, false);
      // concurrent transactions touching the same traces or tasks: take turns and try again
      if ((isDeadlock(error) || isSerializationFailure(error)) && attempt < DEADLOCK_RETRIES)
        return this.commit(group, attempt + 1, copy);
      // another node's retention pass dropped a day this process thought it had: look again
      if (isMissingPartition(error) && attempt < DEADLOCK_RETRIES) {
        this.partitions.forget();
        return this.commit(group, attempt + 1, copy);
      }
      throw error;
    }
    this.stats.transactions += 1;
    this.stats.batches += group.length;
    for (const listener of this.listeners) {
      for (const p of group) {
        try {
          listener(p.projectId, p.batch);
        } catch (error) {
          // forwarding is never a reason to fail ingest: the records are committed
          console.error(`tracedeck: a commit listener failed: ${(error as Error).message}`);
        }
      }
    }
  }
}

// on globalThis: the server's start-up code and its route handlers may load this module apart,
// and must share one writer per database (the publishers listen to it)
const slot = globalThis as {
  __tracedeckWriters?: WeakMap<Database, IngestWriter>;
  __tracedeckLiveWriters?: Set<IngestWriter>;
};
const writers = (slot.__tracedeckWriters ??= new WeakMap<Database, IngestWriter>());
/** every writer of this process, for the queue-depth metric */
export const liveWriters = (slot.__tracedeckLiveWriters ??= new Set<IngestWriter>());

/** The one writer per database, so every request to it shares the group commit. */
export function ingestWriter(database: Database): IngestWriter {
  let writer = writers.get(database);
  if (!writer) {
    // Postgres takes a second transaction on another core while the first commits
    writer = new IngestWriter(database, {
      concurrency: database.driver === "postgres" ? config().ingestConcurrency : 1,
    });
    writers.set(database, writer);
    liveWriters.add(writer);
  }
  return writer;
}
