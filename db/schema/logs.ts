import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, primaryKey, smallint, text, uuid } from "drizzle-orm/pg-core";

// Log times are integer nanoseconds, like spans, so log/trace correlation lines up exactly.
// Range-partitioned by UTC day of the log's time (db/partitions.ts).
export const logs = pgTable(
  "logs",
  {
    projectId: uuid().notNull(),
    id: uuid().notNull().defaultRandom(),
    timeUnixNano: bigint({ mode: "bigint" }).notNull(),
    observedTimeUnixNano: bigint({ mode: "bigint" }).notNull(),
    /** OpenTelemetry severity number, 1 (TRACE) … 24 (FATAL4); 0 when unspecified */
    severityNumber: smallint().notNull(),
    severityText: text(),
    /** any JSON value: a string message, or structured data */
    body: jsonb(),
    serviceName: text(),
    traceId: text(),
    spanId: text(),
    attributes: jsonb().$type<Record<string, unknown>>().notNull(),
    resourceAttributes: jsonb().$type<Record<string, unknown>>().notNull(),
    scope: jsonb().$type<Record<string, unknown>>(),
    flags: bigint({ mode: "number" }),
    /** names the record as an event (OTLP event_name) */
    eventName: text(),
    droppedAttributesCount: integer().notNull().default(0),
  },
  (t) => [
    primaryKey({ name: "logs_pk", columns: [t.projectId, t.id, t.timeUnixNano] }),
    // log search over a time range, newest first, and retention by time
    index("logs_project_time_idx").on(t.projectId, t.timeUnixNano),
    // logs that share a trace, shown beside it
    index("logs_project_trace_idx").on(t.projectId, t.traceId),
    // attribute search (attr=key:value): containment on a record's attributes over its resource's
    index("logs_attributes_idx").using("gin", sql`(resource_attributes || attributes) jsonb_path_ops`),
  ],
);
