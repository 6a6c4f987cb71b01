import { bigint, doublePrecision, integer, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";

// Rollups: per-minute and per-hour aggregates of the raw telemetry, so that questions over wide
// ranges read a few thousand rows instead of millions. Each row covers `step_seconds` (60 or 3600)
// from `time`; durations and latencies are kept as a histogram over lib/storage/histogram.ts's
// bounds (`histogram[i + 1]` counts the values above bound i and at most bound i + 1). They are
// kept current by lib/storage/rollups.ts from the minutes the writer marks in rollup_marks.
// Range-partitioned by UTC day on `time` like the raw tables, and expired by the "rollups" setting.

const rollupTime = () => timestamp({ withTimezone: true }).notNull();
const count = () => bigint({ mode: "number" }).notNull();
const histogram = () => bigint({ mode: "number" }).array().notNull();

/** Requests, errors and durations per service and operation (span name). */
export const spanRollups = pgTable(
  "span_rollups",
  {
    projectId: uuid().notNull(),
    stepSeconds: integer().notNull(),
    time: rollupTime(),
    serviceName: text().notNull(),
    name: text().notNull(),
    /** every span */
    spanCount: count(),
    /** server and consumer spans: the requests the service handled */
    requestCount: count(),
    /** failed requests */
    errorCount: count(),
    /** requests' durations, ms */
    histogram: histogram(),
    /** failed spans of any kind (an operation that handles no requests, a client call, is measured by its spans) */
    spanErrorCount: count().default(0),
    /** every span's duration, ms */
    spanHistogram: histogram().default(sql`'{}'::bigint[]`),
  },
  (t) => [
    primaryKey({ name: "span_rollups_pk", columns: [t.projectId, t.stepSeconds, t.time, t.serviceName, t.name] }),
  ],
);

/** Calls from one service to another: a server or consumer span whose parent span is another service's. */
export const serviceEdges = pgTable(
  "service_edges",
  {
    projectId: uuid().notNull(),
    stepSeconds: integer().notNull(),
    time: rollupTime(),
    parentService: text().notNull(),
    childService: text().notNull(),
    calls: count(),
    errors: count(),
    /** the called side's durations, ms */
    histogram: histogram(),
  },
  (t) => [
    primaryKey({
      name: "service_edges_pk",
      columns: [t.projectId, t.stepSeconds, t.time, t.parentService, t.childService],
    }),
  ],
);

/** Task executions per event name and status, by the minute they started. */
export const pipelineRollups = pgTable(
  "pipeline_rollups",
  {
    projectId: uuid().notNull(),
    stepSeconds: integer().notNull(),
    time: rollupTime(),
    eventName: text().notNull(),
    status: text({ enum: ["pending", "completed", "failed"] }).notNull(),
    runs: count(),
    /** runs retried at least once */
    retried: count(),
    retries: count(),
    maxRetries: integer().notNull(),
    /** `retry_runs[i + 1]` runs were retried i times; the last entry counts the runs retried that often or more */
    retryRuns: histogram(),
    /** finished runs' durations, ms */
    histogram: histogram(),
    durationSumMs: doublePrecision().notNull(),
  },
  (t) => [
    primaryKey({
      name: "pipeline_rollups_pk",
      columns: [t.projectId, t.stepSeconds, t.time, t.eventName, t.status],
    }),
  ],
);

/** Network operations per host:port and operation. */
export const networkRollups = pgTable(
  "network_rollups",
  {
    projectId: uuid().notNull(),
    stepSeconds: integer().notNull(),
    time: rollupTime(),
    host: text().notNull(),
    port: integer().notNull(),
    operation: text().notNull(),
    operations: count(),
    errors: count(),
    bytesSent: count(),
    bytesReceived: count(),
    /** finished operations' latencies, ms */
    histogram: histogram(),
    latencySumMs: doublePrecision().notNull(),
  },
  (t) => [
    primaryKey({
      name: "network_rollups_pk",
      columns: [t.projectId, t.stepSeconds, t.time, t.host, t.port, t.operation],
    }),
  ],
);

/** Rows stored per minute of the signals no other rollup counts (the overview's totals). */
export const rowCounts = pgTable(
  "row_counts",
  {
    projectId: uuid().notNull(),
    stepSeconds: integer().notNull(),
    time: rollupTime(),
    /** the raw table counted: traces, logs, events or metric_points */
    tableName: text().notNull(),
    rows: count(),
  },
  (t) => [primaryKey({ name: "row_counts_pk", columns: [t.projectId, t.stepSeconds, t.time, t.tableName] })],
);

/** What each rollup is made from. */
export const ROLLUP_SOURCES = ["spans", "pipeline", "network", "logs", "events", "metrics"] as const;
export type RollupSource = (typeof ROLLUP_SOURCES)[number];

/**
 * Minutes whose raw rows changed since their rollups were last computed. The writer marks them in
 * the transaction that changes the rows; the rollup pass recomputes them and removes the marks it
 * saw (a mark made again meanwhile has a later `marked_at` and stays). Queries read raw rows for
 * the minutes still marked, so an answer never misses data the rollups have yet to take in.
 */
export const rollupMarks = pgTable(
  "rollup_marks",
  {
    projectId: uuid().notNull(),
    source: text({ enum: ROLLUP_SOURCES }).notNull(),
    minute: timestamp({ withTimezone: true }).notNull(),
    markedAt: timestamp({ withTimezone: true, precision: 6 }).notNull(),
  },
  (t) => [primaryKey({ name: "rollup_marks_pk", columns: [t.projectId, t.source, t.minute] })],
);
