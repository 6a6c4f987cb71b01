import { hash, verify } from "@node-rs/argon2";
import { randomBytes } from "node:crypto";
import { and, count, eq, gt, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { sessions, users } from "@/db/schema";
import { ApiError } from "@/lib/errors";
import { sha256Hex } from "./keys";

// Dashboard accounts: argon2id password hashes, sessions kept as SHA-256 of an opaque token.

export const SESSION_COOKIE = "tracedeck_session";
export const SESSION_DAYS = 30;

export const Credentials = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email().max(320)),
  password: z.string().min(10, "must be at least 10 characters").max(1024),
});

export type Role = "admin" | "viewer";

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
}

/**
 * Taken by every change of who is an admin, inside its transaction: two first-run setups, or two demotions of
 * the two last admins, take turns instead of each seeing the other's account still there.
 */
export async function lockAccounts(tx: Db): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(7464636, 1)`);
}

/** Verifying against this when the email is unknown keeps failed sign-ins equally slow. */
let dummyHash: Promise<string> | undefined;

export async function userCount(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return Number(row?.n ?? 0);
}

async function newSession(db: Db, userId: string, now: Date): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await db.insert(sessions).values({
    userId,
    tokenHash: sha256Hex(token),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + SESSION_DAYS * 86_400_000),
  });
  return token;
}

/** First run: the first account, an admin. Refused once any account exists. */
export async function createFirstAdmin({
  db,
  input,
  now,
}: {
  db: Db;
  input: unknown;
  now: Date;
}): Promise<{ user: SessionUser; token: string }> {
  const { email, password } = Credentials.parse(input);
  const passwordHash = await hash(password);
  const user = await db.transaction(async (tx) => {
    // two browsers submitting setup at once: one wins
    await lockAccounts(tx);
    const [existing] = await tx.select({ n: count() }).from(users);
    if (Number(existing?.n ?? 0) > 0) return undefined;
    const [created] = await tx
      .insert(users)
      .values({ email, passwordHash, role: "admin" })
      .returning({ id: users.id, email: users.email, role: users.role });
    return created;
  });
  if (!user) throw new ApiError("forbidden", "setup is done: an account exists; sign in instead");
  return { user, token: await newSession(db, user.id, now) };
}

export async function signIn({
  db,
  input,
  now,
}: {
  db: Db;
  input: unknown;
  now: Date;
}): Promise<{ user: SessionUser; token: string }> {
  const { email, password } = Credentials.omit({ password: true })
    .extend({ password: z.string().max(1024) })
    .parse(input);
  const [user] = await db
    .select({ id: users.id, email: users.email, role: users.role, passwordHash: users.passwordHash })
    .from(users)
    .where(sql`lower(${users.email}) = ${email}`);
  dummyHash ??= hash(randomBytes(16).toString("hex"));
  const ok = await verify(user?.passwordHash ?? (await dummyHash), password).catch(() => false);
  if (!user || !ok) throw new ApiError("unauthorized", "wrong email or password");
  return { user: { id: user.id, email: user.email, role: user.role }, token: await newSession(db, user.id, now) };
}

export async function signOut({ db, token }: { db: Db; token: string }): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, sha256Hex(token)));
}

const LAST_SEEN_RESOLUTION_MS = 60_000;

/** The account a session cookie belongs to, while the session lasts. */
export async function sessionUser({
  db,
  token,
  now,
}: {
  db: Db;
  token: string;
  now: Date;
}): Promise<SessionUser | undefined> {
  const [row] = await db
    .select({
      id: users.id,
      email: users.email,
      role: users.role,
      sessionId: sessions.id,
      lastSeenAt: sessions.lastSeenAt,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, sha256Hex(token)), gt(sessions.expiresAt, now)));
  if (!row) return undefined;
  if (now.getTime() - row.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
    db.update(sessions)
      .set({ lastSeenAt: now })
      .where(eq(sessions.id, row.sessionId))
      .catch(() => {});
  }
  return { id: row.id, email: row.email, role: row.role };
}

/** TRACEDECK_ADMIN_EMAIL and TRACEDECK_ADMIN_PASSWORD create the first admin at start. */
export async function ensureAdminFromEnv({
  db,
  email,
  password,
}: {
  db: Db;
  email?: string;
  password?: string;
}): Promise<boolean> {
  if (!email || !password || (await userCount(db)) > 0) return false;
  await createFirstAdmin({ db, input: { email, password }, now: new Date() });
  return true;
}
