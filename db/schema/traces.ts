import { sql } from "drizzle-orm";
import { bigint, date, index, integer, jsonb, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";

// Telemetry tables carry project_id without a foreign key: a per-row FK check costs ~15% of
// ingest, and distributed Postgres (Citus) shards these tables by project_id. Deleting a
// project deletes its telemetry explicitly.
//
// Span and trace times are integer nanoseconds since the epoch: OTLP carries nanoseconds and
// timestamptz keeps only microseconds, so bigint keeps what clients send, exactly.
//
// Both tables are range-partitioned by UTC day (db/partitions.ts; the migrations declare it, since
// Drizzle describes only the columns): every key carries the partition column, after project_id.

export const spans = pgTable(
  "spans",
  {
    projectId: uuid().notNull(),
    traceId: text().notNull(),
    spanId: text().notNull(),
    parentSpanId: text(),
    name: text().notNull(),
    serviceName: text().notNull(),
    kind: text({ enum: ["internal", "server", "client", "producer", "consumer"] }).notNull(),
    statusCode: text({ enum: ["unset", "ok", "error"] }).notNull(),
    statusMessage: text(),
    startTimeUnixNano: bigint({ mode: "bigint" }).notNull(),
    endTimeUnixNano: bigint({ mode: "bigint" }).notNull(),
    durationNano: bigint({ mode: "bigint" })
      .notNull()
      .generatedAlwaysAs(sql`end_time_unix_nano - start_time_unix_nano`),
    traceState: text(),
    attributes: jsonb().$type<Record<string, unknown>>().notNull(),
    resourceAttributes: jsonb().$type<Record<string, unknown>>().notNull(),
    events: jsonb().$type<unknown[]>().notNull(),
    links: jsonb().$type<unknown[]>().notNull(),
    /** instrumentation scope: { name, version, attributes } */
    scope: jsonb().$type<Record<string, unknown>>(),
    /** W3C trace flags, and OTLP's is-remote bits */
    flags: bigint({ mode: "number" }),
    /** counts the sending SDK dropped: { attributes, events, links } */
    dropped: jsonb().$type<Record<string, number>>(),
  },
  (t) => [
    // identity of a span; retried batches conflict here and are skipped (idempotent ingest): a
    // span's start time is part of what it reports, so a retry lands in the same partition
    primaryKey({ name: "spans_pk", columns: [t.projectId, t.traceId, t.spanId, t.startTimeUnixNano] }),
    // time-range scans and retention by time
    index("spans_project_start_idx").on(t.projectId, t.startTimeUnixNano),
    // per-service and per-operation statistics over a time range
    index("spans_project_service_start_idx").on(t.projectId, t.serviceName, t.startTimeUnixNano),
    // attribute search (attr=key:value): containment on a span's attributes over its resource's
    index("spans_attributes_idx").using("gin", sql`(resource_attributes || attributes) jsonb_path_ops`),
  ],
);

/** One summary row per trace, kept current by the ingest writer so trace search never scans spans. */
export const traces = pgTable(
  "traces",
  {
    projectId: uuid().notNull(),
    traceId: text().notNull(),
    startTimeUnixNano: bigint({ mode: "bigint" }).notNull(),
    endTimeUnixNano: bigint({ mode: "bigint" }).notNull(),
    durationNano: bigint({ mode: "bigint" })
      .notNull()
      .generatedAlwaysAs(sql`end_time_unix_nano - start_time_unix_nano`),
    spanCount: integer().notNull(),
    errorCount: integer().notNull(),
    rootServiceName: text(),
    rootName: text(),
    services: text().array().notNull(),
    /**
     * The UTC day whose partition holds the summary: that of the first span stored for the trace.
     * It never changes (an upsert cannot move a row between partitions), so a span that arrives
     * later and starts earlier widens the summary in place.
     */
    day: date({ mode: "string" }).notNull(),
  },
  (t) => [
    // one row per trace; the writer upserts here
    primaryKey({ name: "traces_pk", columns: [t.projectId, t.traceId, t.day] }),
    // trace search, newest first, and retention by time
    index("traces_project_start_idx").on(t.projectId, t.startTimeUnixNano),
  ],
);
