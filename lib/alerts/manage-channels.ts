import { randomUUID } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { isUniqueViolation } from "@/db/errors";
import { alertChannels, alertRules, CHANNEL_TYPES, projects, type ChannelType } from "@/db/schema";
import type { Ctx } from "@/lib/auth/context";
import { config } from "@/lib/config";
import { ApiError } from "@/lib/errors";
import { defaultGuard } from "@/lib/publishers/egress";
import { SecretUnreadable } from "@/lib/publishers/secrets";
import { checkAddresses, urlTarget } from "@/lib/publishers/targets";
import { mergeChannelConfig, openChannelConfig, redactChannelConfig, sealChannelConfig } from "./channel-config";
import { ChannelConfigs } from "./channels";
import { sendTestMessage } from "./deliver";
import type { AlertMessage } from "./message";

// Notification channels: an admin configures them per project (their credentials are sealed and never
// shown again); anyone who reads the project sees them with how their sends went.

/** Channels a project keeps at most. */
const MAX_CHANNELS = 100;

const Name = z.string().trim().min(1, "must not be empty").max(200);
const ConfigObject = z.record(z.string(), z.unknown()).meta({
  description:
    "webhook: url, secret (signs each request as the webhook publisher does); slack: url (an incoming webhook); " +
    "email: host, port, secure, username, password, from, to[]; pagerduty: routing_key, url (default: PagerDuty's Events API v2)",
});

export const ChannelCreate = z.object({
  name: Name,
  type: z.enum(CHANNEL_TYPES),
  config: ConfigObject,
  enabled: z.boolean().default(true),
});
export const ChannelUpdate = z
  .object({ name: Name.optional(), config: ConfigObject.optional(), enabled: z.boolean().optional() })
  .refine((u) => u.name !== undefined || u.config !== undefined || u.enabled !== undefined, {
    message: "give name, config or enabled",
  });
export const ChannelParams = z.object({ id: z.uuid({ message: "must be a channel id" }) });

export const AlertChannel = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(CHANNEL_TYPES),
    config: z.record(z.string(), z.unknown()).meta({ description: "credentials read ••••••" }),
    enabled: z.boolean(),
    sent_count: z.number(),
    failed_count: z.number(),
    last_success_at: z.string().nullable(),
    last_error: z.string().nullable(),
    last_error_at: z.string().nullable(),
    /** notifications still to be sent (retrying) */
    pending: z.number(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "AlertChannel" });
export const AlertChannels = z.object({ channels: z.array(AlertChannel) });
export const ChannelTestResult = z.object({ delivered: z.boolean(), error: z.string().nullable() });

type Row = typeof alertChannels.$inferSelect;

const iso = (d: Date | null) => d?.toISOString() ?? null;
const view = (r: Row, pending = 0): z.output<typeof AlertChannel> => ({
  id: r.id,
  name: r.name,
  type: r.type,
  config: redactChannelConfig(r.type, r.config),
  enabled: r.enabled,
  sent_count: r.sentCount,
  failed_count: r.failedCount,
  last_success_at: iso(r.lastSuccessAt),
  last_error: r.lastError,
  last_error_at: iso(r.lastErrorAt),
  pending,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});

/**
 * A config checked against its type's schema, and its target against the private-address rule publishers follow:
 * a 400 names the field.
 */
async function checkedConfig(type: ChannelType, config: Record<string, unknown>): Promise<Record<string, unknown>> {
  const parsed = ChannelConfigs[type].safeParse(config);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: ["config", ...i.path].join("."), message: i.message }));
    throw new ApiError("validation_failed", `invalid body: ${details[0]!.path}: ${details[0]!.message}`, details);
  }
  const checked: Record<string, unknown> = parsed.data;
  const target =
    type === "email"
      ? { path: "config.host", host: String(checked.host), port: Number(checked.port) }
      : urlTarget("config.url", String(checked.url));
  await checkAddresses([target], defaultGuard(), `${type} channel config`);
  return checked;
}

function sealed(channel: { id: string; projectId: string; type: ChannelType }, config: Record<string, unknown>) {
  try {
    return sealChannelConfig(channel, config);
  } catch (error) {
    console.error(`tracedeck: alert channel credentials cannot be encrypted: ${(error as Error).message}`);
    throw new ApiError("unavailable", "channel credentials cannot be encrypted: the server's key is not available");
  }
}

export async function listChannels({ ctx }: { ctx: Ctx }): Promise<z.output<typeof AlertChannels>> {
  const [rows, pending] = await Promise.all([
    ctx.db
      .select()
      .from(alertChannels)
      .where(eq(alertChannels.projectId, ctx.projectId))
      .orderBy(asc(alertChannels.name))
      .limit(MAX_CHANNELS),
    queryRows<{ channel_id: string; n: number }>(
      ctx.db,
      sql`select channel_id, count(*)::int as n from alert_notifications
          where project_id = ${ctx.projectId} and delivered_at is null and failed_at is null group by channel_id`,
    ),
  ]);
  const waiting = new Map(pending.map((p) => [p.channel_id, Number(p.n)]));
  return { channels: rows.map((r) => view(r, waiting.get(r.id) ?? 0)) };
}

const taken = (name: string) =>
  new ApiError("unprocessable", `a channel named "${name}" exists already in this project`);

export async function createChannel({ ctx, input }: { ctx: Ctx; input: unknown }) {
  const { name, type, config, enabled } = ChannelCreate.parse(input);
  const count = await ctx.db.$count(alertChannels, eq(alertChannels.projectId, ctx.projectId));
  if (count >= MAX_CHANNELS)
    throw new ApiError("unprocessable", `a project keeps at most ${MAX_CHANNELS} channels; delete one first`);
  // the id is known before the insert: the sealed credentials are bound to it
  const id = randomUUID();
  const stored = sealed({ id, projectId: ctx.projectId, type }, await checkedConfig(type, config));
  const [created] = await ctx.db
    .insert(alertChannels)
    .values({ id, projectId: ctx.projectId, name, type, config: stored, enabled })
    .onConflictDoNothing({ target: [alertChannels.projectId, alertChannels.name] })
    .returning();
  if (!created) throw taken(name);
  return view(created);
}

async function channelRow(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(alertChannels)
    .where(and(eq(alertChannels.id, id), eq(alertChannels.projectId, ctx.projectId)));
  if (!row) throw new ApiError("not_found", `no channel ${id} in this project`);
  return row;
}

function openStored(row: Row): Record<string, unknown> {
  try {
    return openChannelConfig(row);
  } catch (error) {
    if (error instanceof SecretUnreadable)
      throw new ApiError("unprocessable", error.message, [
        { path: `config.${error.path}`, message: "cannot be decrypted with this server's key: enter it again" },
      ]);
    throw error;
  }
}

export async function updateChannel({ ctx, input }: { ctx: Ctx; input: { id: string; body: unknown } }) {
  const edit = ChannelUpdate.parse(input.body);
  const row = await channelRow(ctx, input.id);
  const config =
    edit.config === undefined
      ? row.config
      : sealed(row, await checkedConfig(row.type, mergeChannelConfig(row.type, openStored(row), edit.config)));
  try {
    const [updated] = await ctx.db
      .update(alertChannels)
      .set({
        ...(edit.name !== undefined ? { name: edit.name } : {}),
        ...(edit.enabled !== undefined ? { enabled: edit.enabled } : {}),
        config,
        updatedAt: ctx.now(),
      })
      .where(eq(alertChannels.id, row.id))
      .returning();
    return view(updated!);
  } catch (error) {
    if (isUniqueViolation(error)) throw taken(edit.name ?? row.name);
    throw error;
  }
}

/** Deletes the channel and takes it off every rule that named it. */
export async function deleteChannel({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<void> {
  const row = await channelRow(ctx, input.id);
  await ctx.db.transaction(async (tx) => {
    await tx
      .update(alertRules)
      .set({ channelIds: sql`array_remove(${alertRules.channelIds}, ${row.id}::uuid)` })
      .where(and(eq(alertRules.projectId, ctx.projectId), sql`${row.id}::uuid = any(${alertRules.channelIds})`));
    await tx.delete(alertChannels).where(eq(alertChannels.id, row.id));
  });
}

/** Sends a test message through the channel now and says whether it arrived. */
export async function testChannel({ ctx, input }: { ctx: Ctx; input: { id: string } }) {
  const row = await channelRow(ctx, input.id);
  openStored(row);
  const [project] = await ctx.db.select({ slug: projects.slug }).from(projects).where(eq(projects.id, ctx.projectId));
  const base = config().publicUrl;
  const slug = project?.slug ?? ctx.projectId;
  const at = ctx.now();
  const message: AlertMessage = {
    status: "test",
    project: slug,
    rule_id: "test",
    rule: "Test notification",
    severity: "info",
    group: "",
    labels: {},
    condition: `a test of the channel ${row.name}`,
    value: null,
    value_text: "no data",
    threshold: 0,
    from_state: "ok",
    to_state: "ok",
    at: at.toISOString(),
    url: `${base}/alerts?${new URLSearchParams({ project: slug })}`,
    alert_url: `${base}/alerts?${new URLSearchParams({ project: slug })}`,
    summary: `[TEST] Tracedeck can reach the channel ${row.name}`,
  };
  try {
    await sendTestMessage(row, message);
    await ctx.db
      .update(alertChannels)
      .set({ sentCount: sql`${alertChannels.sentCount} + 1`, lastSuccessAt: new Date() })
      .where(eq(alertChannels.id, row.id));
    return { delivered: true, error: null };
  } catch (error) {
    const text = (error as Error).message;
    await ctx.db
      .update(alertChannels)
      .set({ failedCount: sql`${alertChannels.failedCount} + 1`, lastError: text, lastErrorAt: new Date() })
      .where(eq(alertChannels.id, row.id));
    return { delivered: false, error: text };
  }
}
