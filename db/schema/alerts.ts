import {
  bigint,
  boolean,
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
import { sql } from "drizzle-orm";
import { projects, users } from "./auth";

// Alerting: rules evaluated every minute over the rollups, their state per group, the history of
// each change, silences, the channels notifications go through, and the notifications themselves
// (an outbox: written in the transaction that records the change, delivered and retried apart, so
// a channel that cannot be reached never holds up an evaluation).

export const ALERT_SEVERITIES = ["critical", "warning", "info"] as const;
/** ok, pending (breaching, `for` not yet elapsed), firing, resolved (firing, then cleared), no_data (nothing to judge by) */
export const ALERT_STATES = ["ok", "pending", "firing", "resolved", "no_data"] as const;
export const CHANNEL_TYPES = ["webhook", "slack", "email", "pagerduty"] as const;

export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export type AlertState = (typeof ALERT_STATES)[number];
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const alertRules = pgTable(
  "alert_rules",
  {
    id: uuid().primaryKey().defaultRandom(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text().notNull(),
    /** what is measured, over which window, against what threshold (lib/alerts/rules.ts's Condition) */
    condition: jsonb().$type<Record<string, unknown>>().notNull(),
    /** how long the condition must hold before the rule fires */
    forMinutes: integer().notNull().default(0),
    severity: text({ enum: ALERT_SEVERITIES }).notNull(),
    /** the channels told of each change; none: the Alerts page only */
    channelIds: uuid().array().notNull().default([]),
    enabled: boolean().notNull().default(true),
    /** the last minute a node evaluated the rule: claimed before evaluating, so a minute is evaluated once across nodes */
    evaluatedMinute: timestamp({ withTimezone: true }),
    /** what the last evaluation could not do (an unknown metric, a query that failed) */
    lastError: text(),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // a rule is known by its name within a project (alerts as code upsert by it)
    uniqueIndex("alert_rules_project_name_uq").on(t.projectId, t.name),
  ],
);

/** Each rule's current state per group (a metric rule has one per series group; the others one, ""). */
export const alertStates = pgTable(
  "alert_states",
  {
    ruleId: uuid()
      .notNull()
      .references(() => alertRules.id, { onDelete: "cascade" }),
    groupKey: text().notNull(),
    /** the group's tags, for a metric rule grouped by them */
    labels: jsonb().$type<Record<string, string>>().notNull().default({}),
    state: text({ enum: ALERT_STATES }).notNull(),
    /** when the state began */
    since: timestamp({ withTimezone: true }).notNull(),
    /** the last value measured (null: no data) */
    value: doublePrecision(),
    /** what the last evaluation said of the group ("no service checkout has sent spans in 7 days") */
    message: text(),
    evaluatedAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ name: "alert_states_pk", columns: [t.ruleId, t.groupKey] })],
);

/** Every change of a rule's state, newest first on the Alerts page. */
export const alertEvents = pgTable(
  "alert_events",
  {
    id: uuid().primaryKey().defaultRandom(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    ruleId: uuid()
      .notNull()
      .references(() => alertRules.id, { onDelete: "cascade" }),
    groupKey: text().notNull(),
    labels: jsonb().$type<Record<string, string>>().notNull().default({}),
    fromState: text({ enum: ALERT_STATES }).notNull(),
    toState: text({ enum: ALERT_STATES }).notNull(),
    value: doublePrecision(),
    threshold: doublePrecision().notNull(),
    /** a silence covered the rule: nobody was told */
    silenced: boolean().notNull().default(false),
    at: timestamp({ withTimezone: true, precision: 6 }).notNull(),
  },
  (t) => [
    // the history of a project, newest first
    index("alert_events_project_at_idx").on(t.projectId, t.at),
    // the history of one rule
    index("alert_events_rule_at_idx").on(t.ruleId, t.at),
  ],
);

/** A rule (or, without one, every rule of the project) muted from `starts_at` to `ends_at`. */
export const alertSilences = pgTable(
  "alert_silences",
  {
    id: uuid().primaryKey().defaultRandom(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    ruleId: uuid().references(() => alertRules.id, { onDelete: "cascade" }),
    startsAt: timestamp({ withTimezone: true }).notNull(),
    endsAt: timestamp({ withTimezone: true }).notNull(),
    reason: text().notNull(),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // the silences of a project still in force
    index("alert_silences_project_ends_idx").on(t.projectId, t.endsAt),
  ],
);

export const alertChannels = pgTable(
  "alert_channels",
  {
    id: uuid().primaryKey().defaultRandom(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text().notNull(),
    type: text({ enum: CHANNEL_TYPES }).notNull(),
    /** the target and its options; credentials in it are sealed and never returned by the API */
    config: jsonb().$type<Record<string, unknown>>().notNull(),
    enabled: boolean().notNull().default(true),
    sentCount: bigint({ mode: "number" }).notNull().default(0),
    failedCount: bigint({ mode: "number" }).notNull().default(0),
    lastSuccessAt: timestamp({ withTimezone: true }),
    lastError: text(),
    lastErrorAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("alert_channels_project_name_uq").on(t.projectId, t.name)],
);

/** One notification of one state change through one channel: delivered, retried with backoff, or given up. */
export const alertNotifications = pgTable(
  "alert_notifications",
  {
    id: uuid().primaryKey().defaultRandom(),
    projectId: uuid()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    channelId: uuid()
      .notNull()
      .references(() => alertChannels.id, { onDelete: "cascade" }),
    /** the change told of; null for a channel's test message */
    eventId: uuid().references(() => alertEvents.id, { onDelete: "cascade" }),
    /** what is sent (lib/alerts/message.ts's AlertMessage) */
    message: jsonb().$type<Record<string, unknown>>().notNull(),
    attempts: integer().notNull().default(0),
    /** when a node may try next; a node sending it holds it by moving this ahead */
    nextAttemptAt: timestamp({ withTimezone: true, precision: 6 }).notNull(),
    deliveredAt: timestamp({ withTimezone: true }),
    /** set when the retries ran out */
    failedAt: timestamp({ withTimezone: true }),
    lastError: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // a change is told through a channel once
    uniqueIndex("alert_notifications_event_channel_uq").on(t.eventId, t.channelId),
    // the sender's queue: what is due and not yet done
    index("alert_notifications_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`delivered_at is null and failed_at is null`),
  ],
);
