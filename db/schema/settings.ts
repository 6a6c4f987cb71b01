import { integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { projects, users } from "./auth";

/** What each retention setting governs; rollups keep their own, longer setting. */
export const RETENTION_SIGNALS = ["traces", "logs", "events", "metrics", "pipeline", "rollups"] as const;
export type RetentionSignal = (typeof RETENTION_SIGNALS)[number];

/**
 * How many days of each signal the instance keeps (partitions are shared by every project, so
 * retention is instance-wide). A signal without a row keeps its default (env or built in).
 */
export const retentionSettings = pgTable("retention_settings", {
  signal: text({ enum: RETENTION_SIGNALS }).primaryKey(),
  days: integer().notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * A dashboard page saved under a name, with its filters and time range (its path and query, without the project):
 * shared with everyone who can read the project. The URL stays the source of truth: opening a view opens its URL.
 */
export const savedViews = pgTable(
  "saved_views",
  {
    id: uuid().primaryKey().defaultRandom(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text().notNull(),
    /** the page's path, e.g. /traces */
    path: text().notNull(),
    /** the page's query string without `project`, e.g. service=api&from=now-1h */
    query: text().notNull(),
    /** who saved it (null: an API key, or an account since removed) */
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // a project's views by name: listed in that order, and a name is taken once per project
    uniqueIndex("saved_views_project_name_uq").on(t.projectId, t.name),
  ],
);
