import { hash, verify } from "@node-rs/argon2";
import { randomBytes } from "node:crypto";
import { and, count, eq, gt, lt, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { sessions, users } from "@/db/schema";
import { config } from "@/lib/config";
import { ApiError } from "@/lib/errors";
import { sha256Hex } from "./keys";
import { MAX_PASSWORD_LENGTH, NewPassword } from "./passwords";

// Dashboard accounts: argon2id password hashes, sessions kept as SHA-256 of an opaque token. A session lasts
// SESSION_DAYS from sign-in, and ends sooner once unused for TRACEDECK_SESSION_IDLE_DAYS (default 7).

export const SESSION_COOKIE = "tracedeck_session";
export const SESSION_DAYS = 30;

/** An account being made: its email, and a password that passes the rules of lib/auth/passwords.ts. */
export const Credentials = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email().max(320)),
  password: NewPassword,
});

/** What changing one's own password takes. */
export const PasswordChange = z.object({
  current_password: z.string().max(MAX_PASSWORD_LENGTH),
  new_password: NewPassword,
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
  // any password that was accepted when it was set still signs in
  const { email, password } = Credentials.omit({ password: true })
    .extend({ password: z.string().max(MAX_PASSWORD_LENGTH) })
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

/**
 * A signed-in user's new password, checked against the current one. Every session of the account ends, the one
 * making the change too: it gets a fresh session instead, so a session someone else holds does not survive it.
 */
export async function changePassword({
  db,
  userId,
  input,
  now,
}: {
  db: Db;
  userId: string;
  input: z.output<typeof PasswordChange>;
  now: Date;
}): Promise<{ user: SessionUser; token: string }> {
  const [user] = await db
    .select({ id: users.id, email: users.email, role: users.role, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, userId));
  if (!user) throw new ApiError("unauthorized", "the session has ended; sign in again");
  const ok = await verify(user.passwordHash, input.current_password).catch(() => false);
  if (!ok) {
    throw new ApiError("forbidden", "the current password is wrong", [
      { path: "current_password", message: "is not this account's password" },
    ]);
  }
  const passwordHash = await hash(input.new_password);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, user.id));
    await tx.delete(sessions).where(eq(sessions.userId, user.id));
  });
  return { user: { id: user.id, email: user.email, role: user.role }, token: await newSession(db, user.id, now) };
}

/** How often a session's lastSeenAt is written: idle expiry is measured in days, so a request need not write. */
const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;

/** The account a session cookie belongs to, while the session lasts and has been used within the idle period. */
export async function sessionUser({
  db,
  token,
  now,
  idleDays = config().sessionIdleDays,
}: {
  db: Db;
  token: string;
  now: Date;
  idleDays?: number;
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
    .where(
      and(
        eq(sessions.tokenHash, sha256Hex(token)),
        gt(sessions.expiresAt, now),
        gt(sessions.lastSeenAt, new Date(now.getTime() - idleDays * 86_400_000)),
      ),
    );
  if (!row) return undefined;
  if (now.getTime() - row.lastSeenAt.getTime() >= LAST_SEEN_RESOLUTION_MS) {
    // a failed write only makes the session look idle a few minutes early: the request goes on
    await db
      .update(sessions)
      .set({ lastSeenAt: now })
      .where(and(eq(sessions.id, row.sessionId), lt(sessions.lastSeenAt, now)))
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
  const refused = NewPassword.safeParse(password);
  if (!refused.success) {
    throw new Error(`TRACEDECK_ADMIN_PASSWORD ${refused.error.issues.map((issue) => issue.message).join("; ")}`);
  }
  await createFirstAdmin({ db, input: { email, password }, now: new Date() });
  return true;
}
