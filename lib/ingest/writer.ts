import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database, Db } from "@/db";
import { config } from "@/lib/config";
import { isDatabaseUnavailable, isDeadlock, isSerializationFailure } from "@/db/errors";
import { ApiError } from "@/lib/errors";
import type { RecordBatch } from "@/lib/model/records";
import { nanosToIsoMicros } from "@/lib/model/time";

// The ingest writer. Concurrent requests hand it their records; while one transaction commits,
// the next requests queue, and the following transaction takes them all (group commit). Each
// caller's promise settles after the transaction holding its records commits.
//
// Rows travel as one JSON document per table, expanded by json_to_recordset: one statement per
// table per transaction, the same SQL on Postgres and PGlite, and no parameter-count limits.

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
/** Rows waiting for a transaction; past this, ingest answers 503 and clients retry later. */
export const MAX_QUEUED_ROWS = 200_000;

const json = (rows: unknown[]) => sql`${JSON.stringify(rows)}::json`;
const text = (nanos: bigint) => nanos.toString();
const micros = (nanos: bigint | null) => (nanos === null ? null : nanosToIsoMicros(nanos));

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

async function writeSpans(tx: Tx, group: Pending[]): Promise<void> {
  const rows = group.flatMap(({ projectId, batch }) =>
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
      start_ns: text(s.startTimeUnixNano),
      end_ns: text(s.endTimeUnixNano),
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
  // Only spans new to the store count toward their trace's summary, so a retried batch changes nothing.
  await tx.execute(sql`
    with input as (
      select * from json_to_recordset(${json(rows)}) as x(
        project_id uuid, trace_id text, span_id text, parent_span_id text, name text, service_name text,
        kind text, status_code text, status_message text, start_ns bigint, end_ns bigint, trace_state text,
        attributes jsonb, resource_attributes jsonb, events jsonb, links jsonb, scope jsonb, flags bigint, dropped jsonb)
    ),
    inserted as (
      insert into spans (project_id, trace_id, span_id, parent_span_id, name, service_name, kind, status_code,
        status_message, start_time_unix_nano, end_time_unix_nano, trace_state, attributes, resource_attributes,
        events, links, scope, flags, dropped)
      select project_id, trace_id, span_id, parent_span_id, name, service_name, kind, status_code, status_message,
        start_ns, end_ns, trace_state, attributes, resource_attributes, events, links, scope, flags, dropped
      from input
      on conflict do nothing
      returning project_id, trace_id, parent_span_id, name, service_name, status_code,
        start_time_unix_nano, end_time_unix_nano
    ),
    summary as (
      select project_id, trace_id,
        min(start_time_unix_nano) as start_ns,
        max(end_time_unix_nano) as end_ns,
        count(*)::int as span_count,
        (count(*) filter (where status_code = 'error'))::int as error_count,
        (array_agg(service_name order by start_time_unix_nano) filter (where parent_span_id is null))[1] as root_service_name,
        (array_agg(name order by start_time_unix_nano) filter (where parent_span_id is null))[1] as root_name,
        array_agg(distinct service_name order by service_name) as services
      from inserted
      group by project_id, trace_id
    )
    insert into traces as t (project_id, trace_id, start_time_unix_nano, end_time_unix_nano, span_count,
      error_count, root_service_name, root_name, services)
    select project_id, trace_id, start_ns, end_ns, span_count, error_count, root_service_name, root_name, services
    from summary
    order by project_id, trace_id
    on conflict (project_id, trace_id) do update set
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
  `);
}

async function writeEvents(tx: Tx, group: Pending[]): Promise<void> {
  const rows = group.flatMap(({ projectId, batch }) =>
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
  if (rows.length === 0) return;
  await tx.execute(sql`
    insert into events (project_id, name, time, service_name, trace_id, span_id, attributes)
    select project_id, name, time, service_name, trace_id, span_id, attributes
    from json_to_recordset(${json(rows)}) as x(project_id uuid, name text, time timestamptz, service_name text,
      trace_id text, span_id text, attributes jsonb)
  `);
}

async function writeLogs(tx: Tx, group: Pending[]): Promise<void> {
  const rows = group.flatMap(({ projectId, batch }) =>
    (batch.logs ?? []).map((l) => ({
      project_id: projectId,
      time_ns: text(l.timeUnixNano),
      observed_ns: text(l.observedTimeUnixNano),
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
  if (rows.length === 0) return;
  await tx.execute(sql`
    insert into logs (project_id, time_unix_nano, observed_time_unix_nano, severity_number, severity_text, body,
      service_name, trace_id, span_id, attributes, resource_attributes, scope, flags, event_name, dropped_attributes_count)
    select project_id, time_ns, observed_ns, severity_number, severity_text, body -> 'v', service_name, trace_id,
      span_id, attributes, resource_attributes, scope, flags, event_name, dropped_attributes_count
    from json_to_recordset(${json(rows)}) as x(project_id uuid, time_ns bigint, observed_ns bigint,
      severity_number smallint, severity_text text, body jsonb, service_name text, trace_id text, span_id text,
      attributes jsonb, resource_attributes jsonb, scope jsonb, flags bigint, event_name text, dropped_attributes_count int)
  `);
}

async function writeMetrics(tx: Tx, group: Pending[]): Promise<void> {
  const rows = group.flatMap(({ projectId, batch }) =>
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
  if (rows.length === 0) return;
  const input = sql`json_to_recordset(${json(rows)}) as x(project_id uuid, series_hash text, name text, type text,
    unit text, description text, service_name text, temporality text, tags jsonb, resource_attributes jsonb, scope jsonb,
    time timestamptz, start_time timestamptz, flags int, value float8, count bigint, sum float8, min float8, max float8,
    bounds float8[], bucket_counts bigint[], distribution jsonb, exemplars jsonb)`;
  // Two statements: the second sees series the first created, and series another writer created
  // concurrently (the first waits for that writer's commit on the unique index).
  await tx.execute(sql`
    insert into metric_series (project_id, name, type, unit, description, service_name, temporality, tags,
      resource_attributes, scope, series_hash)
    select distinct on (project_id, series_hash) project_id, name, type, unit, description, service_name,
      temporality, tags, resource_attributes, scope, series_hash
    from ${input}
    order by project_id, series_hash
    on conflict (project_id, series_hash) do nothing
  `);
  await tx.execute(sql`
    insert into metric_points (project_id, series_id, time, start_time, flags, value, count, sum, min, max, bounds,
      bucket_counts, distribution, exemplars)
    select x.project_id, s.id, x.time, x.start_time, x.flags, x.value, x.count, x.sum, x.min, x.max, x.bounds,
      x.bucket_counts, x.distribution, x.exemplars
    from ${input}
    join metric_series s on s.project_id = x.project_id and s.series_hash = x.series_hash
  `);
}

const supersedes = sql.raw(
  `(excluded.status <> 'pending' or p.status = 'pending' or excluded.retry_count > p.retry_count)`,
);

async function writePipelineEvents(tx: Tx, group: Pending[]): Promise<void> {
  const rows = group.flatMap(({ projectId, batch }) =>
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
    })),
  );
  for (const round of rounds(rows, (r) => `${r.project_id}\u0000${r.task_id}`)) {
    // A report supersedes the stored state unless it is an older "pending" for a task that has
    // already ended (reports can arrive out of order); a pending report with more retries is a
    // new attempt and does supersede. Retry counts never go down.
    await tx.execute(sql`
      insert into pipeline_events as p (project_id, task_id, event_name, start_time, end_time, status, error,
        retry_count, process_id, attributes)
      select project_id, task_id, event_name, start_time, end_time, status, error, retry_count, process_id, attributes
      from json_to_recordset(${json(round)}) as x(project_id uuid, task_id text, event_name text,
        start_time timestamptz, end_time timestamptz, status text, error text, retry_count int, process_id int,
        attributes jsonb)
      on conflict (project_id, task_id) do update set
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
        updated_at = now()
    `);
  }
}

async function writeNetworkOps(tx: Tx, group: Pending[]): Promise<void> {
  const rows = group.flatMap(({ projectId, batch }) =>
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
    })),
  );
  const identity = (r: (typeof rows)[number]) =>
    [r.project_id, r.task_id, r.host, r.port, r.operation, r.start_time].join("\u0000");
  for (const round of rounds(rows, identity)) {
    // An operation's start report and its end report merge into one row.
    await tx.execute(sql`
      insert into network_ops as n (project_id, task_id, host, port, operation, start_time, end_time, bytes_sent,
        bytes_received, error)
      select project_id, task_id, host, port, operation, start_time, end_time, bytes_sent, bytes_received, error
      from json_to_recordset(${json(round)}) as x(project_id uuid, task_id text, host text, port int,
        operation text, start_time timestamptz, end_time timestamptz, bytes_sent bigint, bytes_received bigint,
        error text)
      on conflict (project_id, task_id, host, port, operation, start_time) do update set
        end_time = coalesce(excluded.end_time, n.end_time),
        bytes_sent = greatest(n.bytes_sent, excluded.bytes_sent),
        bytes_received = greatest(n.bytes_received, excluded.bytes_received),
        error = coalesce(excluded.error, n.error)
    `);
  }
}

const DEADLOCK_RETRIES = 3;

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

  /** @param concurrency transactions in flight at once (PGlite has one connection: 1) */
  constructor(
    private readonly db: Db,
    private readonly concurrency = 1,
    private readonly maxQueuedRows = MAX_QUEUED_ROWS,
  ) {}

  /** Calls `listener` after each commit with the batches it held; returns how to stop. */
  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stores a batch; resolves once it is committed. */
  write(projectId: string, batch: RecordBatch): Promise<void> {
    const rows = rowCount(batch);
    if (rows === 0) return Promise.resolve();
    if (this.queuedRows > 0 && this.queuedRows + rows > this.maxQueuedRows) {
      return Promise.reject(new ApiError("unavailable", "ingest is saturated; retry later", undefined, 1));
    }
    this.queuedRows += rows;
    return new Promise((resolve, reject) => {
      this.queue.push({ projectId, batch, rows, resolve, reject });
      if (this.flushers < this.concurrency) void this.flush();
    });
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

  private async commit(group: Pending[], attempt = 1): Promise<void> {
    try {
      await this.db.transaction(async (tx) => {
        await writeSpans(tx, group);
        await writeEvents(tx, group);
        await writeLogs(tx, group);
        await writeMetrics(tx, group);
        await writePipelineEvents(tx, group);
        await writeNetworkOps(tx, group);
      });
    } catch (error) {
      // concurrent transactions touching the same traces or tasks: take turns and try again
      if ((isDeadlock(error) || isSerializationFailure(error)) && attempt < DEADLOCK_RETRIES)
        return this.commit(group, attempt + 1);
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
    writer = new IngestWriter(database.db, database.driver === "postgres" ? config().ingestConcurrency : 1);
    writers.set(database, writer);
    liveWriters.add(writer);
  }
  return writer;
}
