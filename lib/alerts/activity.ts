import { and, desc, eq, getTableColumns, gt, inArray, ne, sql } from "drizzle-orm";
import { z } from "zod";
import {
  ALERT_SEVERITIES,
  ALERT_STATES,
  alertChannels,
  alertEvents,
  alertNotifications,
  alertRules,
  alertSilences,
  alertStates,
} from "@/db/schema";
import { PageParams, RangeParams, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { ApiError } from "@/lib/errors";
import { dateToNanos } from "@/lib/model/time";
import { keyset } from "@/lib/query/keyset";
import { Condition, formatValue } from "./condition";
import { silencedUntil } from "./rules";
import { STATE_ORDER } from "./transition";

// What alerting is doing: the groups not ok now (firing first), the history of changes with how each
// notification went, and silences.

export const ActiveAlert = z
  .object({
    rule_id: z.string(),
    rule: z.string(),
    severity: z.enum(ALERT_SEVERITIES),
    group: z.string(),
    labels: z.record(z.string(), z.string()),
    state: z.enum(ALERT_STATES),
    since: z.string(),
    value: z.number().nullable(),
    value_text: z.string(),
    message: z.string().nullable(),
    silenced_until: z.string().nullable(),
  })
  .meta({ id: "ActiveAlert" });
export const ActiveAlerts = z.object({
  firing: z.number().meta({ description: "rules with a firing group" }),
  pending: z.number(),
  alerts: z
    .array(ActiveAlert)
    .meta({ description: "every group not ok: firing first, then pending, no data, resolved" }),
});

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 } as const;
const MAX_ACTIVE = 1000;

/** The groups not ok, firing first and the most severe first among them. */
export async function activeAlerts({ ctx }: { ctx: Ctx }): Promise<z.output<typeof ActiveAlerts>> {
  const [rows, until] = await Promise.all([
    ctx.db
      .select({
        state: alertStates,
        rule: {
          id: alertRules.id,
          name: alertRules.name,
          severity: alertRules.severity,
          condition: alertRules.condition,
        },
      })
      .from(alertStates)
      .innerJoin(alertRules, eq(alertRules.id, alertStates.ruleId))
      .where(and(eq(alertRules.projectId, ctx.projectId), ne(alertStates.state, "ok")))
      .limit(MAX_ACTIVE),
    silencedUntil(ctx),
  ]);
  const alerts = rows.map(({ state: s, rule }) => ({
    rule_id: rule.id,
    rule: rule.name,
    severity: rule.severity,
    group: s.groupKey,
    labels: s.labels,
    state: s.state,
    since: s.since.toISOString(),
    value: s.value,
    value_text: formatValue(rule.condition as Condition, s.value),
    message: s.message,
    silenced_until: until(rule.id)?.toISOString() ?? null,
  }));
  alerts.sort(
    (a, b) =>
      STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      b.since.localeCompare(a.since),
  );
  const rulesIn = (state: string) => new Set(alerts.filter((a) => a.state === state).map((a) => a.rule_id)).size;
  return { firing: rulesIn("firing"), pending: rulesIn("pending"), alerts };
}

export const HistoryQuery = z.object({
  rule: z.uuid({ message: "must be a rule id" }).optional().meta({ description: "one rule's changes" }),
  ...RangeParams,
  ...PageParams,
  cursor: z.string().optional(),
});

export const AlertEvent = z
  .object({
    id: z.string(),
    rule_id: z.string(),
    rule: z.string(),
    group: z.string(),
    labels: z.record(z.string(), z.string()),
    from_state: z.enum(ALERT_STATES),
    to_state: z.enum(ALERT_STATES),
    value: z.number().nullable(),
    value_text: z.string(),
    threshold: z.number(),
    silenced: z.boolean(),
    at: z.string(),
    notifications: z.array(
      z.object({
        channel: z.string(),
        delivered_at: z.string().nullable(),
        failed_at: z.string().nullable(),
        attempts: z.number(),
        last_error: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: "AlertEvent" });
export const AlertHistory = z.object({ events: z.array(AlertEvent), next_cursor: z.string().nullable() });

type EventRow = typeof alertEvents.$inferSelect & { rule: string; condition: Record<string, unknown> };

/** The changes of the range, newest first, with each notification's delivery. */
export async function alertHistory({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof HistoryQuery>;
}): Promise<z.output<typeof AlertHistory>> {
  const range = resolveRange(input, ctx.now());
  const paging = keyset<EventRow>(input, [
    {
      key: sql`(extract(epoch from ${alertEvents.at}) * 1000000)::bigint`,
      order: sql`${alertEvents.at}`,
      type: "bigint",
      of: (r) => dateToNanos(r.at) / 1000n,
    },
    { key: sql`${alertEvents.id}::text`, type: "text", of: (r) => r.id },
  ]);
  const where = [
    eq(alertEvents.projectId, ctx.projectId),
    sql`${alertEvents.at} >= to_timestamp(${Number(range.from / 1000n) / 1e6}::float8)`,
    sql`${alertEvents.at} <= to_timestamp(${Number(range.to / 1000n) / 1e6}::float8)`,
  ];
  if (input.rule) where.push(eq(alertEvents.ruleId, input.rule));
  if (paging.after) where.push(paging.after);
  const rows: EventRow[] = await ctx.db
    .select({ ...getTableColumns(alertEvents), rule: alertRules.name, condition: alertRules.condition })
    .from(alertEvents)
    .innerJoin(alertRules, eq(alertRules.id, alertEvents.ruleId))
    .where(and(...where))
    .orderBy(paging.orderBy)
    .limit(paging.limit);
  const { items, next_cursor } = paging.page(rows);
  const ids = items.map((r) => r.id);
  const sent = ids.length
    ? await ctx.db
        .select({
          eventId: alertNotifications.eventId,
          channel: alertChannels.name,
          deliveredAt: alertNotifications.deliveredAt,
          failedAt: alertNotifications.failedAt,
          attempts: alertNotifications.attempts,
          lastError: alertNotifications.lastError,
        })
        .from(alertNotifications)
        .innerJoin(alertChannels, eq(alertChannels.id, alertNotifications.channelId))
        .where(inArray(alertNotifications.eventId, ids))
    : [];
  return {
    events: items.map((r) => ({
      id: r.id,
      rule_id: r.ruleId,
      rule: r.rule,
      group: r.groupKey,
      labels: r.labels,
      from_state: r.fromState,
      to_state: r.toState,
      value: r.value,
      value_text: formatValue(r.condition as Condition, r.value),
      threshold: r.threshold,
      silenced: r.silenced,
      at: r.at.toISOString(),
      notifications: sent
        .filter((n) => n.eventId === r.id)
        .map((n) => ({
          channel: n.channel,
          delivered_at: n.deliveredAt?.toISOString() ?? null,
          failed_at: n.failedAt?.toISOString() ?? null,
          attempts: n.attempts,
          last_error: n.lastError,
        })),
    })),
    next_cursor,
  };
}

/** Silences a project keeps in force at most. */
const MAX_SILENCES = 500;
/** The longest a silence may last. */
const MAX_SILENCE_DAYS = 90;

export const SilenceCreate = z
  .object({
    rule_id: z
      .uuid({ message: "must be a rule id" })
      .nullable()
      .default(null)
      .meta({ description: "null: every rule of the project" }),
    starts_at: z.iso
      .datetime({ offset: true, message: "must be an RFC 3339 time" })
      .optional()
      .meta({ description: "default: now" }),
    ends_at: z.iso.datetime({ offset: true, message: "must be an RFC 3339 time" }).optional(),
    duration_minutes: z
      .number()
      .int()
      .min(1)
      .max(MAX_SILENCE_DAYS * 1440)
      .optional()
      .meta({ description: "instead of ends_at" }),
    reason: z.string().trim().min(1, "say why the rule is muted").max(1000),
  })
  .refine((s) => (s.ends_at === undefined) !== (s.duration_minutes === undefined), {
    message: "give ends_at or duration_minutes",
    path: ["ends_at"],
  });
export const SilenceParams = z.object({ id: z.uuid({ message: "must be a silence id" }) });

export const AlertSilence = z
  .object({
    id: z.string(),
    rule_id: z.string().nullable(),
    rule: z.string().nullable(),
    starts_at: z.string(),
    ends_at: z.string(),
    reason: z.string(),
    active: z.boolean(),
    created_at: z.string(),
  })
  .meta({ id: "AlertSilence" });
export const AlertSilences = z.object({ silences: z.array(AlertSilence) });

type SilenceRow = typeof alertSilences.$inferSelect;
const silenceView = (s: SilenceRow, rule: string | null, now: Date): z.output<typeof AlertSilence> => ({
  id: s.id,
  rule_id: s.ruleId,
  rule,
  starts_at: s.startsAt.toISOString(),
  ends_at: s.endsAt.toISOString(),
  reason: s.reason,
  active: s.startsAt <= now && s.endsAt > now,
  created_at: s.createdAt.toISOString(),
});

/** Silences in force or still to come. */
export async function listSilences({ ctx }: { ctx: Ctx }): Promise<z.output<typeof AlertSilences>> {
  const now = ctx.now();
  const rows = await ctx.db
    .select({ silence: alertSilences, rule: alertRules.name })
    .from(alertSilences)
    .leftJoin(alertRules, eq(alertRules.id, alertSilences.ruleId))
    .where(and(eq(alertSilences.projectId, ctx.projectId), gt(alertSilences.endsAt, now)))
    .orderBy(desc(alertSilences.endsAt))
    .limit(MAX_SILENCES);
  return { silences: rows.map((r) => silenceView(r.silence, r.rule, now)) };
}

export async function createSilence({ ctx, input }: { ctx: Ctx; input: unknown }) {
  const s = SilenceCreate.parse(input);
  const now = ctx.now();
  const startsAt = s.starts_at ? new Date(s.starts_at) : now;
  const endsAt = s.ends_at ? new Date(s.ends_at) : new Date(startsAt.getTime() + s.duration_minutes! * 60_000);
  const detail = (message: string) =>
    new ApiError("validation_failed", `invalid body: ends_at: ${message}`, [{ path: "ends_at", message }]);
  if (endsAt <= startsAt) throw detail("must be after starts_at");
  if (endsAt <= now) throw detail("must be in the future");
  if (endsAt.getTime() - startsAt.getTime() > MAX_SILENCE_DAYS * 86_400_000)
    throw detail(`a silence lasts at most ${MAX_SILENCE_DAYS} days`);
  let rule: string | null = null;
  if (s.rule_id) {
    const [found] = await ctx.db
      .select({ name: alertRules.name })
      .from(alertRules)
      .where(and(eq(alertRules.id, s.rule_id), eq(alertRules.projectId, ctx.projectId)));
    if (!found)
      throw new ApiError("validation_failed", `invalid body: rule_id: no rule ${s.rule_id} in this project`, [
        { path: "rule_id", message: "no such rule in this project" },
      ]);
    rule = found.name;
  }
  const active = await ctx.db.$count(
    alertSilences,
    and(eq(alertSilences.projectId, ctx.projectId), gt(alertSilences.endsAt, now)),
  );
  if (active >= MAX_SILENCES)
    throw new ApiError("unprocessable", `a project keeps at most ${MAX_SILENCES} silences in force`);
  const [created] = await ctx.db
    .insert(alertSilences)
    .values({
      projectId: ctx.projectId,
      ruleId: s.rule_id,
      startsAt,
      endsAt,
      reason: s.reason,
      createdBy: ctx.user?.id ?? null,
    })
    .returning();
  return silenceView(created!, rule, now);
}

/** Ends a silence now (one still to come is removed). */
export async function endSilence({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<void> {
  const now = ctx.now();
  const [row] = await ctx.db
    .select()
    .from(alertSilences)
    .where(and(eq(alertSilences.id, input.id), eq(alertSilences.projectId, ctx.projectId)));
  if (!row) throw new ApiError("not_found", `no silence ${input.id} in this project`);
  if (row.startsAt > now) await ctx.db.delete(alertSilences).where(eq(alertSilences.id, row.id));
  else if (row.endsAt > now)
    await ctx.db.update(alertSilences).set({ endsAt: now }).where(eq(alertSilences.id, row.id));
}
