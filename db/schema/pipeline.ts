import { sql } from "drizzle-orm";
import {
  bigint,
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
