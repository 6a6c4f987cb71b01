import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

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
