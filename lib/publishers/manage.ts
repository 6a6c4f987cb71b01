import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { publishers } from "@/db/schema";
import type { Ctx } from "@/lib/auth/context";
import { MAX_REPORTED_ERRORS, validateBatch, type IngestResult } from "@/lib/ingest/native";
import { ApiError } from "@/lib/errors";
import { parseTime } from "@/lib/model/time";
import { PUBLISHER_TYPES, textWithoutUserInfo, validateConfig, withoutUserInfo } from "./config";
import { defaultGuard } from "./egress";
import { publisherRuntime } from "./runtime";
import { openSecrets, sealSecrets, SECRET_KEY, type SecretScope } from "./secrets";
import { checkTargets } from "./targets";

// Publishers as people configure them (server-side forwarders, from the Publishers page and the
// admin API) and as applications' SDKs report them (status heartbeats).

export const PUBLISHER_STATES = ["healthy", "degraded", "failing", "disabled"] as const;

export const REDACTED = "••••••";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The config with every credential, at any depth (a composite's members), replaced by ••••••. */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
  const redact = (value: unknown, key: string): unknown =>
    Array.isArray(value)
      ? value.map((item) => redact(item, ""))
      : isObject(value)
        ? redactConfig(value)
        : SECRET_KEY.test(key) && value !== "" && value !== null
          ? REDACTED
          : // a URL saved before user-info was refused shows without it
            typeof value === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)
            ? withoutUserInfo(value)
            : value;
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, redact(value, key)]));
}

/** An edited config keeps a stored secret wherever the editor sent it back redacted (or left it out); members of a list are matched by position. */
export function mergeSecrets(
  stored: Record<string, unknown>,
  edited: Record<string, unknown>,
): Record<string, unknown> {
  const merged = { ...edited };
  for (const [key, value] of Object.entries(stored)) {
    const next = merged[key];
    if (SECRET_KEY.test(key) && !isObject(value) && (next === REDACTED || !(key in merged))) merged[key] = value;
    else if (isObject(value) && isObject(next)) merged[key] = mergeSecrets(value, next);
    else if (Array.isArray(value) && Array.isArray(next))
      merged[key] = next.map((item, i) => (isObject(item) && isObject(value[i]) ? mergeSecrets(value[i], item) : item));
  }
  return merged;
}

const Config = z.record(z.string(), z.unknown()).meta({
  description:
    "checked against the type when saved. elasticsearch: url (or hosts), index_prefix, signals, api_key or username+password; " +
    "webhook: url, secret, signals; grafana_cloud: url, instance_id, api_key, protocol (remote_write|otlp), push_interval_ms, external_labels; " +
    "prometheus: url (a remote-write receiver), username+password, push_interval_ms, external_labels; composite: publishers [{name, type, config}]. " +
    "Record publishers also take batch_size, max_queue, flush_interval_ms, retry_initial_ms, retry_max_ms, timeout_ms.",
});

export const PublisherCreate = z.object({
  name: z.string().trim().min(1).max(200),
  type: z.enum(PUBLISHER_TYPES),
  config: Config.default({}),
  enabled: z.boolean().default(true),
});
export const PublisherUpdate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    config: Config.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((u) => u.name !== undefined || u.config !== undefined || u.enabled !== undefined, {
    message: "give name, config or enabled",
  });
export const PublisherParams = z.object({ id: z.uuid({ message: "must be a publisher id (a UUID)" }) });

/** A config checked for its type and its targets, with its credentials sealed for the publisher: what is stored. */
async function storedConfig(
  type: (typeof PUBLISHER_TYPES)[number],
  config: Record<string, unknown>,
  scope: SecretScope,
): Promise<Record<string, unknown>> {
  const checked = validateConfig(type, config);
  await checkTargets(type, checked, defaultGuard());
  try {
    return sealSecrets(checked, scope);
  } catch (error) {
    console.error(`tracedeck: publisher credentials cannot be encrypted: ${(error as Error).message}`);
    throw new ApiError("unavailable", "publisher credentials cannot be encrypted: the server's key is not available");
  }
}

export async function createPublisher({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<{ id: string }> {
  const { name, type, config, enabled } = PublisherCreate.parse(input);
  // the id is known before the insert: the sealed credentials are bound to it
  const id = randomUUID();
  const [created] = await ctx.db
    .insert(publishers)
    .values({
      id,
      projectId: ctx.projectId,
      name,
      type,
      origin: "server",
      config: await storedConfig(type, config, { projectId: ctx.projectId, publisherId: id }),
      enabled,
    })
    .onConflictDoNothing()
    .returning({ id: publishers.id });
  if (!created) throw new ApiError("unprocessable", `a publisher "${name}" exists already`);
  await publisherRuntime(ctx.database)?.refresh();
  return created;
}

/** An edited config merged with the stored credentials it sent back redacted, checked and sealed again. */
async function editedConfig(
  stored: typeof publishers.$inferSelect,
  edited: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const scope = { projectId: stored.projectId, publisherId: stored.id };
  const unreadable: string[] = [];
  const marker = `unreadable-${randomUUID()}`;
  const current = openSecrets(stored.config, scope, {
    unreadable: (at) => (unreadable.push(at), marker),
  });
  const merged = mergeSecrets(current, edited);
  if (JSON.stringify(merged).includes(marker))
    throw new ApiError(
      "unprocessable",
      `the stored ${unreadable.map((at) => `config.${at}`).join(", ")} cannot be decrypted with this server's key: enter it again`,
      unreadable.map((at) => ({ path: `config.${at}`, message: "cannot be decrypted with this server's key" })),
    );
  return storedConfig(stored.type, merged, scope);
}

export async function updatePublisher({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { id: string; body: unknown };
}): Promise<{ id: string }> {
  const update = PublisherUpdate.parse(input.body);
  const [stored] = await ctx.db
    .select()
    .from(publishers)
    .where(and(eq(publishers.id, input.id), eq(publishers.projectId, ctx.projectId)));
  if (!stored) throw new ApiError("not_found", `no publisher ${input.id}`);
  if (stored.origin !== "server")
    throw new ApiError("unprocessable", "an SDK's publisher is configured in its application, not here");
  const config = update.config !== undefined ? await editedConfig(stored, update.config) : undefined;
  try {
    await ctx.db
      .update(publishers)
      .set({
        ...(update.name !== undefined ? { name: update.name } : {}),
        ...(update.enabled !== undefined ? { enabled: update.enabled } : {}),
        ...(config !== undefined ? { config } : {}),
        updatedAt: new Date(),
      })
      .where(eq(publishers.id, stored.id));
  } catch (error) {
    if (String((error as { cause?: unknown }).cause ?? error).includes("publishers_project_origin_name_uq")) {
      throw new ApiError("unprocessable", `a publisher "${update.name}" exists already`);
    }
    throw error;
  }
  await publisherRuntime(ctx.database)?.refresh();
  return { id: stored.id };
}

const Time = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const nanos = parseTime(value);
  if (nanos === undefined) {
    ctx.addIssue({ code: "custom", message: "must be an RFC 3339 time or an epoch number" });
    return z.NEVER;
  }
  return new Date(Number(nanos / 1_000_000n));
});
/** Counts of records: exact as JSON numbers are (2^53), as bigint columns hold them. */
const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const PublisherStatusIn = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .meta({
      description:
        "named twice in one batch, the publisher takes the later report, and one sample; " +
        "an earlier report's last success or last error stays unless the later one brings its own",
    }),
  type: z.enum(PUBLISHER_TYPES).default("other"),
  target: z
    .string()
    .max(2000)
    .transform(withoutUserInfo)
    .optional()
    .meta({ description: "where it sends (URL or host); user-info (user:password@) in it is dropped" }),
  state: z.enum(PUBLISHER_STATES),
  last_success_at: Time.optional(),
  last_error: z
    .string()
    .max(4000)
    .transform(textWithoutUserInfo)
    .optional()
    .meta({ description: "the last failure; user-info of any URL in it is dropped" }),
  last_error_at: Time.optional(),
  sent_count: Count.default(0),
  failed_count: Count.default(0),
  dropped_count: Count.default(0).meta({ description: "records a full queue let go" }),
  backlog: z.number().int().min(0).max(2_147_483_647).default(0).meta({ description: "records waiting to be sent" }),
});

type PublisherStatusReport = z.output<typeof PublisherStatusIn>;

/**
 * One report per publisher of a batch. A publisher named twice ends as if its reports had come one after the other:
 * with the later one's type, target, state and counters, and the latest last success and last error either brought.
 * Its chart gets one sample, the later one's: two samples of one time would leave the growth between them to
 * whichever order the chart happened to read them in.
 */
function latestReports(items: PublisherStatusReport[]): PublisherStatusReport[] {
  const byName = new Map<string, PublisherStatusReport>();
  for (const item of items) {
    const before = byName.get(item.name);
    byName.set(item.name, {
      ...item,
      last_success_at: item.last_success_at ?? before?.last_success_at,
      last_error: item.last_error ?? before?.last_error,
      last_error_at: item.last_error_at ?? before?.last_error_at,
    });
  }
  return [...byName.values()];
}

/** SDK heartbeats: each publisher (by name) gets its status replaced and a sample for its chart. */
export async function ingestPublisherStatus({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<IngestResult> {
  const { items, errors } = validateBatch(input, "publishers", PublisherStatusIn);
  const reports = latestReports(items).map((item) => ({
    name: item.name,
    type: item.type,
    config: item.target ? { target: item.target } : {},
    state: item.state,
    last_success_at: item.last_success_at ?? null,
    last_error: item.last_error ?? null,
    last_error_at: item.last_error_at ?? null,
    sent_count: item.sent_count,
    failed_count: item.failed_count,
    dropped_count: item.dropped_count,
    backlog: item.backlog,
  }));
  if (reports.length > 0) {
    const now = sql`${ctx.now().toISOString()}::timestamptz`;
    // One statement for the whole batch, whatever its size: the publishers, their statuses and their samples, all
    // or none. Each report names its publisher once (latestReports): one statement cannot update a row twice. Rows
    // are written in name order, so that concurrent batches lock the rows they share in the same order.
    await ctx.db.execute(sql`
      with report as (
        select * from jsonb_to_recordset(${JSON.stringify(reports)}::jsonb) as r(
          name text, type text, config jsonb, state text,
          last_success_at timestamptz, last_error text, last_error_at timestamptz,
          sent_count bigint, failed_count bigint, dropped_count bigint, backlog integer)
      ),
      publisher as (
        insert into publishers (project_id, name, type, origin, config)
        select ${ctx.projectId}::uuid, name, type, 'sdk', config from report order by name
        on conflict (project_id, origin, name) do update
          set type = excluded.type, config = excluded.config, updated_at = ${now}
        returning id, name
      ),
      reported as (
        select publisher.id, report.* from publisher join report using (name)
      ),
      status as (
        insert into publisher_status (publisher_id, state, last_success_at, last_error, last_error_at,
          sent_count, failed_count, dropped_count, backlog, updated_at)
        select id, state, last_success_at, last_error, last_error_at,
          sent_count, failed_count, dropped_count, backlog, ${now}
        from reported order by name
        on conflict (publisher_id) do update set
          state = excluded.state,
          -- the last success and the last error stay known until a report brings newer ones
          last_success_at = coalesce(excluded.last_success_at, publisher_status.last_success_at),
          last_error = coalesce(excluded.last_error, publisher_status.last_error),
          last_error_at = coalesce(excluded.last_error_at, publisher_status.last_error_at),
          sent_count = excluded.sent_count,
          failed_count = excluded.failed_count,
          dropped_count = excluded.dropped_count,
          backlog = excluded.backlog,
          updated_at = excluded.updated_at
      )
      insert into publisher_samples (publisher_id, time, sent_count, failed_count, dropped_count, backlog)
      select id, ${now}, sent_count, failed_count, dropped_count, backlog from reported`);
  }
  return { accepted: items.length, rejected: errors.length, errors: errors.slice(0, MAX_REPORTED_ERRORS) };
}
