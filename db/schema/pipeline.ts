import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

// Pipeline times are timestamptz: the pipeline SDKs record seconds with sub-millisecond fractions.
// Both tables are range-partitioned by UTC day (db/partitions.ts): every key carries the partition column.
//
// GET /metrics counts from pipeline_counters and network_counters, not from these rows: a row's
// status changes as a task is retried, and retention drops old days, while a Prometheus counter
// must never go down. The writer adds each report's contribution to the counters as it stores it
// (lib/ingest/counters.ts); the `added_*` columns say what the report merged in last contributed.
// An upsert's RETURNING shows the row as it is now, not as it was, so the comparison of the two is
// made in its SET, under the row's lock (a concurrent merge of the same task waits for it), and
// kept here for RETURNING to read.

/** One row per task execution: its start, end and retries update the same row. */
export const pipelineEvents = pgTable(
  "pipeline_events",
  {
    projectId: uuid().notNull(),
    taskId: text().notNull(),
    eventName: text().notNull(),
    startTime: timestamp({ withTimezone: true, precision: 6 }).notNull(),
    endTime: timestamp({ withTimezone: true, precision: 6 }),
    status: text({ enum: ["pending", "completed", "failed"] }).notNull(),
    error: text(),
    retryCount: integer().notNull(),
    processId: integer(),
    /** end − start in milliseconds; null while pending */
    durationMs: doublePrecision().generatedAlwaysAs(sql`extract(epoch from (end_time - start_time)) * 1000`),
    attributes: jsonb().$type<Record<string, unknown>>().notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** whether the report merged in last ended an attempt: a status and end the row did not hold yet */
    addedOutcome: boolean().notNull().default(false),
    /** by how much the report merged in last raised retry_count */
    addedRetries: integer().notNull().default(0),
    /**
     * The UTC day whose partition holds the task: that of its first report's start. It never
     * changes, so later reports of the task (a retry that starts on the next day) merge in place.
     */
    day: date({ mode: "string" }).notNull(),
  },
  (t) => [
    // a task's record; start, end and retry reports merge here
    primaryKey({ name: "pipeline_events_pk", columns: [t.projectId, t.taskId, t.day] }),
    // runs over a time range, and retention by time
    index("pipeline_events_project_start_idx").on(t.projectId, t.startTime),
    // failed and pending (stuck) lists over a time range
    index("pipeline_events_project_status_start_idx").on(t.projectId, t.status, t.startTime),
    // slow events, slowest first: read in duration order instead of sorting every run of the range
    index("pipeline_events_project_duration_idx").on(t.projectId, t.durationMs),
  ],
);

export const networkOps = pgTable(
  "network_ops",
  {
    projectId: uuid().notNull(),
    id: uuid().notNull().defaultRandom(),
    taskId: text().notNull(),
    host: text().notNull(),
    port: integer().notNull(),
    operation: text().notNull(),
    startTime: timestamp({ withTimezone: true, precision: 6 }).notNull(),
    endTime: timestamp({ withTimezone: true, precision: 6 }),
    bytesSent: bigint({ mode: "number" }).notNull(),
    bytesReceived: bigint({ mode: "number" }).notNull(),
    error: text(),
    /** end − start in milliseconds; null while the operation is open */
    latencyMs: doublePrecision().generatedAlwaysAs(sql`extract(epoch from (end_time - start_time)) * 1000`),
    /** whether the report merged in last ended the operation (gave it its end) */
    addedEnd: boolean().notNull().default(false),
    /** by how much the report merged in last raised bytes_sent and bytes_received */
    addedBytesSent: bigint({ mode: "number" }).notNull().default(0),
    addedBytesReceived: bigint({ mode: "number" }).notNull().default(0),
  },
  (t) => [
    primaryKey({ name: "network_ops_pk", columns: [t.projectId, t.id, t.startTime] }),
    // one operation's start and end reports merge here; a retried batch is idempotent
    uniqueIndex("network_ops_identity_uq").on(t.projectId, t.taskId, t.host, t.port, t.operation, t.startTime),
    // operations over a time range, and retention by time
    index("network_ops_project_start_idx").on(t.projectId, t.startTime),
    // per host:port totals over a time range
    index("network_ops_project_host_start_idx").on(t.projectId, t.host, t.port, t.startTime),
    // slow operations, slowest first
    index("network_ops_project_latency_idx").on(t.projectId, t.latencyMs),
  ],
);

// The counters behind GET /metrics: running totals since the project's first report, one row per
// series. Not partitioned: retention never drops them, so a total never goes down. Rows are
// updated in the writer's transactions, a few per transaction whatever its size, and read whole
// by an exposition. Histograms use lib/storage/histogram.ts's bounds, as the rollups do, kept
// whole (`histogram[1]` is bucket 0).

/** Task attempts that ended, per event name and status, and retries, as their reports were stored. */
export const pipelineCounters = pgTable(
  "pipeline_counters",
  {
    projectId: uuid().notNull(),
    eventName: text().notNull(),
    status: text({ enum: ["pending", "completed", "failed"] }).notNull(),
    /** attempts that ended in this status, each counted once */
    outcomes: bigint({ mode: "number" }).notNull(),
    /** their durations (the task's, from its first start to this end), ms */
    histogram: bigint({ mode: "number" }).array().notNull(),
    durationSumMs: doublePrecision().notNull(),
    /** how much reports raised tasks' retry counts, under the status they left the task in (summed per event name) */
    retries: bigint({ mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ name: "pipeline_counters_pk", columns: [t.projectId, t.eventName, t.status] })],
);

/** Network operations that ended, and bytes moved, per host:port and operation. */
export const networkCounters = pgTable(
  "network_counters",
  {
    projectId: uuid().notNull(),
    host: text().notNull(),
    port: integer().notNull(),
    operation: text().notNull(),
    /** operations that ended, each counted once */
    operations: bigint({ mode: "number" }).notNull(),
    /** their latencies, ms */
    histogram: bigint({ mode: "number" }).array().notNull(),
    latencySumMs: doublePrecision().notNull(),
    bytesSent: bigint({ mode: "number" }).notNull(),
    bytesReceived: bigint({ mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ name: "network_counters_pk", columns: [t.projectId, t.host, t.port, t.operation] })],
);
