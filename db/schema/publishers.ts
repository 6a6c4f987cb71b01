import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { projects } from "./auth";

export const publishers = pgTable(
  "publishers",
  {
    id: uuid().primaryKey().defaultRandom(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text().notNull(),
    type: text({ enum: ["elasticsearch", "prometheus", "grafana_cloud", "composite", "webhook", "other"] }).notNull(),
    /** server: forwarded by Tracedeck; sdk: reported by an application's SDK */
    origin: text({ enum: ["server", "sdk"] }).notNull(),
    /** target and options; secrets in it are never returned by the API */
    config: jsonb().$type<Record<string, unknown>>().notNull(),
    enabled: boolean().notNull().default(true),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // a publisher is known by its name within a project and origin (SDK heartbeats upsert by it)
    uniqueIndex("publishers_project_origin_name_uq").on(t.projectId, t.origin, t.name),
  ],
);

export const publisherStatus = pgTable("publisher_status", {
  publisherId: uuid()
    .primaryKey()
    .references(() => publishers.id, { onDelete: "cascade" }),
  state: text({ enum: ["healthy", "degraded", "failing", "disabled"] }).notNull(),
  lastSuccessAt: timestamp({ withTimezone: true }),
  lastError: text(),
  lastErrorAt: timestamp({ withTimezone: true }),
  sentCount: bigint({ mode: "number" }).notNull().default(0),
  failedCount: bigint({ mode: "number" }).notNull().default(0),
  /** records a full queue let go (counted apart from the ones the target refused) */
  droppedCount: bigint({ mode: "number" }).notNull().default(0),
  backlog: integer().notNull().default(0),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** Each status report of a publisher, kept for the Publishers page's sends-and-failures chart. */
export const publisherSamples = pgTable(
  "publisher_samples",
  {
    publisherId: uuid()
      .notNull()
      .references(() => publishers.id, { onDelete: "cascade" }),
    time: timestamp({ withTimezone: true }).notNull(),
    sentCount: bigint({ mode: "number" }).notNull(),
    failedCount: bigint({ mode: "number" }).notNull(),
    droppedCount: bigint({ mode: "number" }).notNull().default(0),
    backlog: integer().notNull(),
  },
  (t) => [
    // the chart reads one publisher's samples over a time range
    index("publisher_samples_publisher_time_idx").on(t.publisherId, t.time),
  ],
);
