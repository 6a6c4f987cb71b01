import { index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

// Standalone events: timestamptz (microseconds) is as precise as the SDKs that send them.
// Range-partitioned by UTC day of the event's time (db/partitions.ts).
export const events = pgTable(
  "events",
  {
    projectId: uuid().notNull(),
    id: uuid().notNull().defaultRandom(),
    name: text().notNull(),
    time: timestamp({ withTimezone: true, precision: 6 }).notNull(),
    serviceName: text(),
    traceId: text(),
    spanId: text(),
    attributes: jsonb().$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    primaryKey({ name: "events_pk", columns: [t.projectId, t.id, t.time] }),
    // event lists over a time range, and retention by time
    index("events_project_time_idx").on(t.projectId, t.time),
    // events by name over a time range
    index("events_project_name_time_idx").on(t.projectId, t.name, t.time),
  ],
);
