import { hash } from "@node-rs/argon2";
import { and, count, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { apiKeys, projects, sessions, users } from "@/db/schema";
import { ApiError } from "@/lib/errors";
import type { Ctx } from "./context";
import { insertApiKey } from "./keys";
import { Scope } from "./scopes";
import { Credentials, lockAccounts } from "./users";

// Settings: projects, the current project's API keys, and accounts. A project's keys take the
// admin scope (an admin's session or an admin key of that project); accounts and projects are
// instance-wide, for signed-in admins only (the endpoints declare the `instance` access).

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/** What names a project in URLs, API calls and the CLI; checked before any lookup, so a malformed value is a 400. */
export const ProjectSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and dashes, at most 63");

export const ProjectView = z
  .object({
    slug: z.string(),
    name: z.string(),
    public_metrics: z.boolean().meta({ description: "GET /metrics?project=<slug> answers without credentials" }),
    created_at: z.string(),
  })
  .meta({ id: "Project" });
export const ProjectList = z.object({ projects: z.array(ProjectView) });
export const ProjectCreate = z.object({ slug: ProjectSlug, name: z.string().trim().min(1).max(200) });
export const ProjectUpdate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    public_metrics: z
      .boolean()
      .optional()
      .meta({ description: "let Prometheus scrape GET /metrics?project=<slug> without a key" }),
  })
  .refine(
    (update) => update.name !== undefined || update.public_metrics !== undefined,
    "send name, public_metrics or both",
  );
export const ProjectParams = z.object({ slug: ProjectSlug });

const projectView = (p: { slug: string; name: string; publicMetrics: boolean; createdAt: Date }) => ({
  slug: p.slug,
  name: p.name,
  public_metrics: p.publicMetrics,
  created_at: p.createdAt.toISOString(),
});

/** Every project for a signed-in account; a key's own project only, for a key. */
export async function listProjects({ ctx }: { ctx: Ctx }): Promise<z.output<typeof ProjectList>> {
  const rows = await ctx.db
    .select()
    .from(projects)
    .where(ctx.user ? undefined : eq(projects.id, ctx.projectId))
    .orderBy(projects.createdAt, projects.slug);
  return { projects: rows.map(projectView) };
}

export async function createProject({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: unknown;
}): Promise<z.output<typeof ProjectView>> {
  const { slug, name } = ProjectCreate.parse(input);
  const [created] = await ctx.db
    .insert(projects)
    .values({ slug, name })
    .onConflictDoNothing({ target: projects.slug })
    .returning();
  if (!created) throw new ApiError("unprocessable", `a project "${slug}" exists already`);
  return projectView(created);
}

/** Renames a project and/or makes its GET /metrics public (or private again). */
export async function updateProject({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { slug: string; body: unknown };
}): Promise<z.output<typeof ProjectView>> {
  const { name, public_metrics: publicMetrics } = ProjectUpdate.parse(input.body);
  const [updated] = await ctx.db
    .update(projects)
    .set({ name, publicMetrics })
    .where(eq(projects.slug, input.slug))
    .returning();
  if (!updated) throw new ApiError("not_found", `no project "${input.slug}"`);
  return projectView(updated);
}

export const KeyView = z
  .object({
    key_id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: "ApiKey" });
export const KeyList = z.object({ keys: z.array(KeyView) });
export const KeyCreate = z.object({ name: z.string().trim().max(200).default(""), scopes: z.array(Scope).min(1) });
export const CreatedKey = KeyView.extend({
  secret: z.string().meta({ description: "shown once; only its SHA-256 is kept" }),
}).meta({ id: "CreatedApiKey" });
export const KeyParams = z.object({ key_id: z.string().min(1) });

/** The current project's keys, newest first. */
export async function listProjectKeys({ ctx }: { ctx: Ctx }): Promise<z.output<typeof KeyList>> {
  const rows = await ctx.db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.projectId, ctx.projectId))
    .orderBy(desc(apiKeys.createdAt));
  return {
    keys: rows.map((k) => ({
      key_id: k.keyId,
      name: k.name,
      scopes: k.scopes,
      created_at: k.createdAt.toISOString(),
      last_used_at: isoOrNull(k.lastUsedAt),
      revoked_at: isoOrNull(k.revokedAt),
    })),
  };
}

export async function createProjectKey({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: unknown;
}): Promise<z.output<typeof CreatedKey>> {
  const { name, scopes } = KeyCreate.parse(input);
  const { secret, row } = await insertApiKey(ctx.db, ctx.projectId, scopes, name);
  return {
    key_id: row.keyId,
    secret,
    name: row.name,
    scopes: row.scopes,
    created_at: row.createdAt.toISOString(),
    last_used_at: null,
    revoked_at: null,
  };
}

/** Revokes a key of the current project; keys of other projects are not found. */
export async function revokeProjectKey({ ctx, input }: { ctx: Ctx; input: z.output<typeof KeyParams> }): Promise<void> {
  const [key] = await ctx.db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyId, input.key_id), eq(apiKeys.projectId, ctx.projectId)));
  if (!key) throw new ApiError("not_found", `no API key ${input.key_id} in this project`);
  await ctx.db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.id, key.id), isNull(apiKeys.revokedAt)));
}

export const UserView = z
  .object({ id: z.string(), email: z.string(), role: z.enum(["admin", "viewer"]), created_at: z.string() })
  .meta({ id: "Account" });
export const UserList = z.object({ users: z.array(UserView) });
export const UserCreate = Credentials.extend({ role: z.enum(["admin", "viewer"]).default("viewer") });
export const UserUpdate = z.object({ role: z.enum(["admin", "viewer"]) });
export const UserParams = z.object({ id: z.uuid() });

const userView = (u: { id: string; email: string; role: "admin" | "viewer"; createdAt: Date }) => ({
  id: u.id,
  email: u.email,
  role: u.role,
  created_at: u.createdAt.toISOString(),
});

export async function listUsers({ ctx }: { ctx: Ctx }): Promise<z.output<typeof UserList>> {
  const rows = await ctx.db.select().from(users).orderBy(users.createdAt);
  return { users: rows.map(userView) };
}

/** An admin invites someone by creating their account with a password. */
export async function createUser({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<z.output<typeof UserView>> {
  const { email, password, role } = UserCreate.parse(input);
  const passwordHash = await hash(password);
  const [created] = await ctx.db.insert(users).values({ email, passwordHash, role }).onConflictDoNothing().returning();
  if (!created) throw new ApiError("unprocessable", `an account for ${email} exists already`);
  return userView(created);
}

/** Inside a transaction that holds lockAccounts, so that two such changes cannot both pass it. */
async function assertAnotherAdminRemains(tx: Db, userId: string): Promise<void> {
  const [row] = await tx
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, "admin"), sql`${users.id} <> ${userId}`));
  if (Number(row?.n ?? 0) === 0) throw new ApiError("unprocessable", "the last admin cannot be demoted or removed");
}

export async function updateUser({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { id: string; body: unknown };
}): Promise<z.output<typeof UserView>> {
  const { role } = UserUpdate.parse(input.body);
  const updated = await ctx.db.transaction(async (tx) => {
    await lockAccounts(tx);
    if (role !== "admin") await assertAnotherAdminRemains(tx, input.id);
    const [row] = await tx.update(users).set({ role }).where(eq(users.id, input.id)).returning();
    return row;
  });
  if (!updated) throw new ApiError("not_found", `no account ${input.id}`);
  return userView(updated);
}

/** Removes an account and ends its sessions. */
export async function removeUser({ ctx, input }: { ctx: Ctx; input: z.output<typeof UserParams> }): Promise<void> {
  const removed = await ctx.db.transaction(async (tx) => {
    await lockAccounts(tx);
    await assertAnotherAdminRemains(tx, input.id);
    await tx.delete(sessions).where(eq(sessions.userId, input.id));
    return tx.delete(users).where(eq(users.id, input.id)).returning({ id: users.id });
  });
  if (removed.length === 0) throw new ApiError("not_found", `no account ${input.id}`);
}
