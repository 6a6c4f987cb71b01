import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { apiKeys, projects } from "@/db/schema";
import { ApiError } from "@/lib/errors";
import { Scope } from "./scopes";

export const KEY_ID_PREFIX = "tfk_";
export const KEY_SECRET_PREFIX = "tfs_";

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** A new key pair: a public id (96 random bits) and a secret (256 random bits). */
export function generateKeyPair(): { keyId: string; secret: string } {
  return {
    keyId: KEY_ID_PREFIX + randomBytes(12).toString("hex"),
    secret: KEY_SECRET_PREFIX + randomBytes(32).toString("base64url"),
  };
}

/** Compares a presented secret with a stored SHA-256 in constant time. */
export function secretMatches(secret: string, storedHashHex: string): boolean {
  const presented = createHash("sha256").update(secret).digest();
  const stored = Buffer.from(storedHashHex, "hex");
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

export const CreateApiKeyInput = z.object({
  project: z.string().min(1).describe("project slug"),
  scopes: z.array(Scope).min(1),
  name: z.string().max(200).default(""),
});

export interface CreatedApiKey {
  keyId: string;
  secret: string;
  project: string;
  scopes: Scope[];
  name: string;
}

async function projectIdBySlug(db: Db, slug: string): Promise<string> {
  const [project] = await db.select({ id: projects.id }).from(projects).where(eq(projects.slug, slug));
  if (!project) throw new ApiError("not_found", `no project "${slug}"`);
  return project.id;
}

/** Stores a new key of a project (only the SHA-256 of its secret) and returns the pair, once. */
export async function insertApiKey(db: Db, projectId: string, scopes: Scope[], name: string) {
  const pair = generateKeyPair();
  const [row] = await db
    .insert(apiKeys)
    .values({ projectId, keyId: pair.keyId, secretHash: sha256Hex(pair.secret), scopes: [...new Set(scopes)], name })
    .returning();
  return { ...pair, row: row! };
}

export async function createApiKey({
  db,
  input,
}: {
  db: Db;
  input: z.input<typeof CreateApiKeyInput>;
}): Promise<CreatedApiKey> {
  const { project, scopes, name } = CreateApiKeyInput.parse(input);
  const { keyId, secret } = await insertApiKey(db, await projectIdBySlug(db, project), scopes, name);
  return { keyId, secret, project, scopes, name };
}

export interface ApiKeySummary {
  keyId: string;
  project: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export async function listApiKeys({ db, input }: { db: Db; input: { project?: string } }): Promise<ApiKeySummary[]> {
  return db
    .select({
      keyId: apiKeys.keyId,
      project: projects.slug,
      name: apiKeys.name,
      scopes: apiKeys.scopes,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .innerJoin(projects, eq(projects.id, apiKeys.projectId))
    .where(input.project ? eq(projects.slug, input.project) : undefined)
    .orderBy(desc(apiKeys.createdAt));
}

export async function revokeApiKey({ db, input }: { db: Db; input: { keyId: string } }): Promise<void> {
  const revoked = await db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.keyId, input.keyId), isNull(apiKeys.revokedAt)))
    .returning({ keyId: apiKeys.keyId });
  if (revoked.length === 0) {
    const [existing] = await db.select({ keyId: apiKeys.keyId }).from(apiKeys).where(eq(apiKeys.keyId, input.keyId));
    if (!existing) throw new ApiError("not_found", `no API key ${input.keyId}`);
  }
}

/** What the keys CLI asks: run on its own database, or by the server that owns the embedded one. */
export const KeysCommand = z.discriminatedUnion("command", [
  z.object({
    command: z.literal("create"),
    project: z.string().min(1),
    scopes: z.array(Scope).min(1),
    name: z.string().default(""),
  }),
  z.object({ command: z.literal("list"), project: z.string().optional() }),
  z.object({ command: z.literal("revoke"), keyId: z.string().min(1) }),
]);
export type KeysCommand = z.output<typeof KeysCommand>;

export async function runKeysCommand({ db, input }: { db: Db; input: KeysCommand }): Promise<unknown> {
  switch (input.command) {
    case "create":
      return createApiKey({ db, input });
    case "list":
      return listApiKeys({ db, input });
    case "revoke":
      await revokeApiKey({ db, input });
      return { revoked: input.keyId };
  }
}
