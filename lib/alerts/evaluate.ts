import { randomUUID } from "node:crypto";
import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Database } from "@/db";
import {
  alertChannels,
  alertEvents,
  alertNotifications,
  alertRules,
  alertStates,
  projects,
  type AlertState,
} from "@/db/schema";
import type { Ctx } from "@/lib/auth/context";
import { config } from "@/lib/config";
import { errorMessage } from "@/lib/shared/error-message";
import { breaches, Condition, thresholdOf } from "./condition";
import { measureRules, type Observation } from "./measure";
import { alertMessage } from "./message";
import { silencedUntil } from "./rules";
import { isNotified, nextState } from "./transition";

// The alert pass: every rule due this minute is claimed, measured and moved to its next state; each
// change is written to the history and, when the channels hear of it, to the notification outbox, in
// one transaction. Claiming is an UPDATE of the rule's evaluated_minute from an earlier minute: with
// several nodes on one Postgres (or one node restarted within the minute) exactly one claims a rule
// per minute, and the outbox's unique (event, channel) keeps each change told once per channel.

type RuleRow = typeof alertRules.$inferSelect;
type StateRow = typeof alertStates.$inferSelect;

const floorMinute = (at: Date) => new Date(Math.floor(at.getTime() / 60_000) * 60_000);

export interface AlertPassResult {
  /** rules this node evaluated (claimed) */
  evaluated: number;
  /** state changes recorded */
  changes: number;
  /** notifications queued */
  notifications: number;
}

/** Evaluates every enabled rule (of one project, with `projectId`) not yet evaluated in `now`'s minute. */
export async function evaluateAlerts(
  database: Database,
  { now = new Date(), publicUrl, projectId }: { now?: Date; publicUrl?: string; projectId?: string } = {},
): Promise<AlertPassResult> {
  const minute = floorMinute(now);
  const claimed = await database.db
    .update(alertRules)
    .set({ evaluatedMinute: minute })
    .where(
      and(
        eq(alertRules.enabled, true),
        projectId === undefined ? undefined : eq(alertRules.projectId, projectId),
        or(isNull(alertRules.evaluatedMinute), lt(alertRules.evaluatedMinute, minute)),
      ),
    )
    .returning();
  const result: AlertPassResult = { evaluated: claimed.length, changes: 0, notifications: 0 };
  const byProject = new Map<string, RuleRow[]>();
  for (const rule of claimed) byProject.set(rule.projectId, [...(byProject.get(rule.projectId) ?? []), rule]);
  const failures: string[] = [];
  for (const [projectId, rules] of byProject) {
    // one project's failure (its database statement refused) leaves the others evaluated
    try {
      const done = await evaluateProject(database, projectId, rules, now, publicUrl ?? config().publicUrl);
      result.changes += done.changes;
      result.notifications += done.notifications;
    } catch (error) {
      failures.push(`project ${projectId}: ${errorMessage(error)}`);
    }
  }
  if (failures.length) throw new Error(`could not evaluate the rules of ${failures.join("; ")}`);
  return result;
}

async function evaluateProject(
  database: Database,
  projectId: string,
  rules: RuleRow[],
  now: Date,
  publicUrl: string,
): Promise<{ changes: number; notifications: number }> {
  const { db } = database;
  const ctx: Ctx = { database, db, projectId, scopes: ["read"], now: () => now };
  const parsed = rules.map((row) => ({ row, condition: Condition.safeParse(row.condition) }));
  const valid = parsed.flatMap(({ row, condition }) =>
    condition.success ? [{ id: row.id, condition: condition.data }] : [],
  );
  const ids = rules.map((r) => r.id);
  const [observed, previous, until, channels, [project]] = await Promise.all([
    measureRules(ctx, valid),
    db.select().from(alertStates).where(inArray(alertStates.ruleId, ids)),
    silencedUntil(ctx),
    db
      .select({ id: alertChannels.id })
      .from(alertChannels)
      .where(and(eq(alertChannels.projectId, projectId), eq(alertChannels.enabled, true))),
    db.select({ slug: projects.slug }).from(projects).where(eq(projects.id, projectId)),
  ]);
  const silenced = (ruleId: string) => until(ruleId) !== undefined;
  const usable = new Set(channels.map((c) => c.id));
  const previousOf = new Map<string, StateRow[]>();
  for (const s of previous) previousOf.set(s.ruleId, [...(previousOf.get(s.ruleId) ?? []), s]);

  const states: (typeof alertStates.$inferInsert)[] = [];
  const gone: { ruleId: string; groupKey: string }[] = [];
  const events: (typeof alertEvents.$inferInsert)[] = [];
  const notifications: (typeof alertNotifications.$inferInsert)[] = [];
  const errors: { id: string; error: string | null }[] = [];

  for (const { row, condition } of parsed) {
    const measured = condition.success ? observed.get(row.id) : new Error(condition.error.message);
    const error = measured instanceof Error ? `could not evaluate: ${errorMessage(measured)}` : null;
    if (error !== row.lastError) errors.push({ id: row.id, error });
    // a rule that could not be measured keeps its states until it can
    if (!condition.success || measured === undefined || measured instanceof Error) continue;
    const rule = { id: row.id, name: row.name, severity: row.severity, condition: condition.data };
    const before = new Map((previousOf.get(row.id) ?? []).map((s) => [s.groupKey, s]));
    const groups = new Map<string, Observation>(measured.map((o) => [o.groupKey, o]));
    // a group seen before and not now (a metric series gone quiet) is judged as not breaching
    for (const [key, s] of before)
      if (!groups.has(key)) groups.set(key, { groupKey: key, labels: s.labels, value: null });
    for (const o of groups.values()) {
      const was = before.get(o.groupKey);
      const verdict = {
        unknown: o.unknown !== undefined,
        breach: o.value !== null && breaches(rule.condition, o.value),
      };
      const to = nextState(was, verdict, row.forMinutes, now);
      const from: AlertState = was?.state ?? "ok";
      const changed = to !== from;
      if (!measured.some((m) => m.groupKey === o.groupKey) && to === "ok") {
        if (was) gone.push({ ruleId: row.id, groupKey: o.groupKey });
        continue;
      }
      states.push({
        ruleId: row.id,
        groupKey: o.groupKey,
        labels: o.labels,
        state: to,
        since: changed || !was ? now : was.since,
        value: o.value,
        message: o.unknown ?? null,
        evaluatedAt: now,
      });
      if (!changed) continue;
      const quiet = silenced(row.id);
      const eventId = randomUUID();
      events.push({
        id: eventId,
        projectId,
        ruleId: row.id,
        groupKey: o.groupKey,
        labels: o.labels,
        fromState: from,
        toState: to,
        value: o.value,
        threshold: thresholdOf(rule.condition),
        silenced: quiet,
        at: now,
      });
      if (quiet || !isNotified(from, to)) continue;
      const message = alertMessage({
        base: publicUrl,
        project: project?.slug ?? projectId,
        rule,
        group: o.groupKey,
        labels: o.labels,
        from,
        to,
        value: o.value,
        at: now,
      });
      for (const channelId of row.channelIds)
        if (usable.has(channelId))
          notifications.push({
            projectId,
            channelId,
            eventId,
            message: message as unknown as Record<string, unknown>,
            nextAttemptAt: now,
          });
    }
  }

  await db.transaction(async (tx) => {
    for (let i = 0; i < states.length; i += 500)
      await tx
        .insert(alertStates)
        .values(states.slice(i, i + 500))
        .onConflictDoUpdate({
          target: [alertStates.ruleId, alertStates.groupKey],
          set: {
            labels: sql`excluded.labels`,
            state: sql`excluded.state`,
            since: sql`excluded.since`,
            value: sql`excluded.value`,
            message: sql`excluded.message`,
            evaluatedAt: sql`excluded.evaluated_at`,
          },
        });
    for (const g of gone)
      await tx.delete(alertStates).where(and(eq(alertStates.ruleId, g.ruleId), eq(alertStates.groupKey, g.groupKey)));
    for (let i = 0; i < events.length; i += 500) await tx.insert(alertEvents).values(events.slice(i, i + 500));
    for (let i = 0; i < notifications.length; i += 500)
      await tx
        .insert(alertNotifications)
        .values(notifications.slice(i, i + 500))
        .onConflictDoNothing();
    for (const e of errors) await tx.update(alertRules).set({ lastError: e.error }).where(eq(alertRules.id, e.id));
  });
  return { changes: events.length, notifications: notifications.length };
}

/** Days of alert history kept: a quarter's changes, with their notifications. */
export const HISTORY_DAYS = 90;

/** Removes the history (and its notifications) older than HISTORY_DAYS. */
export async function pruneAlertHistory(database: Database, now = new Date()): Promise<number> {
  const removed = await database.db
    .delete(alertEvents)
    .where(lt(alertEvents.at, new Date(now.getTime() - HISTORY_DAYS * 86_400_000)))
    .returning({ id: alertEvents.id });
  return removed.length;
}
