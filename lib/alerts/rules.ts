import { and, asc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { z } from "zod";
import { isUniqueViolation } from "@/db/errors";
import { ALERT_SEVERITIES, ALERT_STATES, alertChannels, alertRules, alertSilences, alertStates } from "@/db/schema";
import type { Ctx } from "@/lib/auth/context";
import { ApiError } from "@/lib/errors";
import { Condition, describeCondition, formatValue, MAX_WINDOW_MINUTES } from "./condition";
import { STATE_ORDER } from "./transition";

// Alert rules as the API and the Alerts page see them: an admin creates, edits and deletes them;
// anyone who reads the project sees them with their state per group.

/** Rules a project keeps at most. */
export const MAX_RULES = 2000;
/** Channels one rule notifies at most. */
const MAX_RULE_CHANNELS = 20;

const Name = z.string().trim().min(1, "must not be empty").max(200);
const ForMinutes = z
  .number()
  .int("must be a whole number of minutes")
  .min(0)
  .max(MAX_WINDOW_MINUTES)
  .meta({ description: "how long the condition must hold before the rule fires (0: at once)" });
const ChannelIds = z
  .array(z.uuid({ message: "must be a channel id" }))
  .max(MAX_RULE_CHANNELS)
  .meta({ description: "the channels told when the rule fires and resolves" });

export const RuleCreate = z.object({
  name: Name,
  condition: Condition,
  for_minutes: ForMinutes.default(0),
  severity: z.enum(ALERT_SEVERITIES).default("warning"),
  channel_ids: ChannelIds.default([]),
  enabled: z.boolean().default(true),
});

export const RuleUpdate = z
  .object({
    name: Name.optional(),
    condition: Condition.optional(),
    for_minutes: ForMinutes.optional(),
    severity: z.enum(ALERT_SEVERITIES).optional(),
    channel_ids: ChannelIds.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), {
    message: "give at least one of name, condition, for_minutes, severity, channel_ids, enabled",
  });

export const RuleParams = z.object({ id: z.uuid({ message: "must be a rule id" }) });

export const AlertGroup = z
  .object({
    group: z.string().meta({ description: 'a metric rule\'s group ("region=eu"); "" for the others' }),
    labels: z.record(z.string(), z.string()),
    state: z.enum(ALERT_STATES),
    since: z.string(),
    value: z.number().nullable(),
    value_text: z.string(),
    message: z.string().nullable().meta({ description: "why there is no data, when there is none" }),
    evaluated_at: z.string(),
  })
  .meta({ id: "AlertGroup" });

export const AlertRule = z
  .object({
    id: z.string(),
    name: z.string(),
    condition: Condition,
    description: z.string().meta({ description: "the condition in words" }),
    for_minutes: z.number(),
    severity: z.enum(ALERT_SEVERITIES),
    channel_ids: z.array(z.string()),
    enabled: z.boolean(),
    state: z.enum(ALERT_STATES).meta({ description: "the state of its group that most needs attention" }),
    groups: z.array(AlertGroup),
    silenced_until: z.string().nullable(),
    last_error: z.string().nullable(),
    evaluated_minute: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "AlertRule" });
export const AlertRules = z.object({ rules: z.array(AlertRule) });

type RuleRow = typeof alertRules.$inferSelect;
type StateRow = typeof alertStates.$inferSelect;

export function groupView(condition: Condition, s: StateRow): z.output<typeof AlertGroup> {
  return {
    group: s.groupKey,
    labels: s.labels,
    state: s.state,
    since: s.since.toISOString(),
    value: s.value,
    value_text: formatValue(condition, s.value),
    message: s.message,
    evaluated_at: s.evaluatedAt.toISOString(),
  };
}

/** The rule's condition as stored; one that no longer parses (written by an older server) reads as stored. */
const conditionOf = (r: RuleRow): Condition => {
  const parsed = Condition.safeParse(r.condition);
  return parsed.success ? parsed.data : (r.condition as Condition);
};

function ruleView(r: RuleRow, states: StateRow[], silencedUntil: Date | undefined): z.output<typeof AlertRule> {
  const condition = conditionOf(r);
  const groups = states
    .map((s) => groupView(condition, s))
    .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.group.localeCompare(b.group));
  return {
    id: r.id,
    name: r.name,
    condition,
    description: describeCondition(condition),
    for_minutes: r.forMinutes,
    severity: r.severity,
    channel_ids: r.channelIds,
    enabled: r.enabled,
    state: groups[0]?.state ?? "ok",
    groups,
    silenced_until: silencedUntil?.toISOString() ?? null,
    last_error: r.lastError,
    evaluated_minute: r.evaluatedMinute?.toISOString() ?? null,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

/** When the silences in force over each rule end (a project-wide silence under the key ""). */
export async function silencedUntil(ctx: Ctx): Promise<(ruleId: string) => Date | undefined> {
  const now = ctx.now();
  const rows = await ctx.db
    .select({ ruleId: alertSilences.ruleId, endsAt: alertSilences.endsAt })
    .from(alertSilences)
    .where(
      and(eq(alertSilences.projectId, ctx.projectId), lte(alertSilences.startsAt, now), gt(alertSilences.endsAt, now)),
    );
  return (ruleId) => {
    let until: Date | undefined;
    for (const s of rows)
      if ((s.ruleId === null || s.ruleId === ruleId) && (!until || s.endsAt > until)) until = s.endsAt;
    return until;
  };
}

async function views(ctx: Ctx, rows: RuleRow[]): Promise<z.output<typeof AlertRule>[]> {
  const ids = rows.map((r) => r.id);
  const [states, until] = await Promise.all([
    ids.length ? ctx.db.select().from(alertStates).where(inArray(alertStates.ruleId, ids)) : Promise.resolve([]),
    silencedUntil(ctx),
  ]);
  const byRule = new Map<string, StateRow[]>();
  for (const s of states) byRule.set(s.ruleId, [...(byRule.get(s.ruleId) ?? []), s]);
  return rows.map((r) => ruleView(r, byRule.get(r.id) ?? [], until(r.id)));
}

export async function listRules({ ctx }: { ctx: Ctx }): Promise<z.output<typeof AlertRules>> {
  const rows = await ctx.db
    .select()
    .from(alertRules)
    .where(eq(alertRules.projectId, ctx.projectId))
    .orderBy(asc(alertRules.name))
    .limit(MAX_RULES);
  return { rules: await views(ctx, rows) };
}

async function ruleRow(ctx: Ctx, id: string): Promise<RuleRow> {
  const [row] = await ctx.db
    .select()
    .from(alertRules)
    .where(and(eq(alertRules.id, id), eq(alertRules.projectId, ctx.projectId)));
  if (!row) throw new ApiError("not_found", `no alert rule ${id} in this project`);
  return row;
}

export async function getRule({ ctx, input }: { ctx: Ctx; input: { id: string } }) {
  const [view] = await views(ctx, [await ruleRow(ctx, input.id)]);
  return view!;
}

/** The channels must be this project's: a 400 names each that is not. */
async function checkChannels(ctx: Ctx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = await ctx.db
    .select({ id: alertChannels.id })
    .from(alertChannels)
    .where(and(eq(alertChannels.projectId, ctx.projectId), inArray(alertChannels.id, ids)));
  const known = new Set(found.map((c) => c.id));
  const missing = ids.flatMap((id, i) =>
    known.has(id) ? [] : [{ path: `channel_ids.${i}`, message: `no channel ${id} in this project` }],
  );
  if (missing.length)
    throw new ApiError("validation_failed", `invalid body: channel_ids: ${missing[0]!.message}`, missing);
}

const taken = (name: string) =>
  new ApiError("unprocessable", `an alert rule named "${name}" exists already in this project`);

export async function createRule({ ctx, input }: { ctx: Ctx; input: unknown }) {
  const rule = RuleCreate.parse(input);
  const channelIds = [...new Set(rule.channel_ids)];
  await checkChannels(ctx, channelIds);
  const existing = await ctx.db.$count(alertRules, eq(alertRules.projectId, ctx.projectId));
  if (existing >= MAX_RULES)
    throw new ApiError("unprocessable", `a project keeps at most ${MAX_RULES} alert rules; delete one first`);
  const [created] = await ctx.db
    .insert(alertRules)
    .values({
      projectId: ctx.projectId,
      name: rule.name,
      condition: rule.condition,
      forMinutes: rule.for_minutes,
      severity: rule.severity,
      channelIds,
      enabled: rule.enabled,
      createdBy: ctx.user?.id ?? null,
    })
    .onConflictDoNothing({ target: [alertRules.projectId, alertRules.name] })
    .returning();
  if (!created) throw taken(rule.name);
  return ruleView(created, [], undefined);
}

export async function updateRule({ ctx, input }: { ctx: Ctx; input: { id: string; body: unknown } }) {
  const edit = RuleUpdate.parse(input.body);
  const row = await ruleRow(ctx, input.id);
  const channelIds = edit.channel_ids && [...new Set(edit.channel_ids)];
  if (channelIds) await checkChannels(ctx, channelIds);
  try {
    const [updated] = await ctx.db
      .update(alertRules)
      .set({
        ...(edit.name !== undefined ? { name: edit.name } : {}),
        ...(edit.condition !== undefined ? { condition: edit.condition, lastError: null } : {}),
        ...(edit.for_minutes !== undefined ? { forMinutes: edit.for_minutes } : {}),
        ...(edit.severity !== undefined ? { severity: edit.severity } : {}),
        ...(channelIds !== undefined ? { channelIds } : {}),
        ...(edit.enabled !== undefined ? { enabled: edit.enabled } : {}),
        // evaluated again within the pass that follows, as changed
        evaluatedMinute: null,
        updatedAt: ctx.now(),
      })
      .where(eq(alertRules.id, row.id))
      .returning();
    // a rule turned off has nothing firing: its states go (the history keeps them)
    if (edit.enabled === false) await ctx.db.delete(alertStates).where(eq(alertStates.ruleId, row.id));
    return getRule({ ctx, input: { id: updated!.id } });
  } catch (error) {
    if (isUniqueViolation(error)) throw taken(edit.name ?? row.name);
    throw error;
  }
}

export async function deleteRule({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<void> {
  const row = await ruleRow(ctx, input.id);
  await ctx.db.delete(alertRules).where(eq(alertRules.id, row.id));
}

/** Rules of the project by state, for the header's count. */
export async function firingCount(ctx: Ctx): Promise<number> {
  const [row] = await ctx.db
    .select({ n: sql<number>`count(distinct ${alertStates.ruleId})::int` })
    .from(alertStates)
    .innerJoin(alertRules, eq(alertRules.id, alertStates.ruleId))
    .where(and(eq(alertRules.projectId, ctx.projectId), eq(alertStates.state, "firing")));
  return Number(row?.n ?? 0);
}
