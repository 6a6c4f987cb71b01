import { hash } from "@node-rs/argon2";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, openTestDatabase } from "@/db/testing";
import { sessions, users, type Database } from "@/db/testing/tables";
import { ApiError } from "@/lib/errors";
import { errorStatus } from "@/lib/http/errors";
import { sha256Hex } from "./keys";
import { createUser, listUsers, removeUser, updateUser } from "./settings";
import {
  changePassword,
  createFirstAdmin,
  ensureAdminFromEnv,
  PasswordChange,
  sessionUser,
  signIn,
  signOut,
  userCount,
} from "./users";

// Accounts are global (not per project): this file works on a database of its own.
let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
  await database.db.delete(users);
});
afterAll(async () => {
  await database.db.delete(users);
  await database.close();
});

const status = (promise: Promise<unknown>) =>
  promise.then(
    () => 200,
    (e: unknown) =>
      e instanceof ApiError ? errorStatus(e) : e instanceof Error && e.name === "ZodError" ? 400 : Promise.reject(e),
  );

describe("accounts and sessions", () => {
  it("creates the first admin once, with an argon2id hash, and signs them in", async () => {
    const now = new Date();
    // the same rules for TRACEDECK_ADMIN_PASSWORD, said in its name
    await expect(
      ensureAdminFromEnv({ db: database.db, email: "env@example.com", password: "letmein" }),
    ).rejects.toThrow(/TRACEDECK_ADMIN_PASSWORD must be at least 12 characters/);
    await expect(
      ensureAdminFromEnv({ db: database.db, email: "env@example.com", password: "qwertyuiop123" }),
    ).rejects.toThrow(/TRACEDECK_ADMIN_PASSWORD is one of the most common passwords/);
    expect(await userCount(database.db)).toBe(0);
    for (const password of ["short", "eleven char", "password1234", "Qwertyuiop123!", "aaaaaaaaaaaaaa"]) {
      expect(
        await status(createFirstAdmin({ db: database.db, input: { email: "ops@example.com", password }, now })),
        password,
      ).toBe(400);
    }
    await expect(
      createFirstAdmin({ db: database.db, input: { email: "ops@example.com", password: "iloveyou2024!" }, now }),
    ).rejects.toThrow(/common password/);
    const { user, token } = await createFirstAdmin({
      db: database.db,
      input: { email: " Ops@Example.com ", password: "correct horse battery" },
      now,
    });
    expect(user).toMatchObject({ email: "ops@example.com", role: "admin" });
    const [row] = await database.db.select().from(users).where(eq(users.id, user.id));
    expect(row!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await sessionUser({ db: database.db, token, now })).toEqual(user);
    const [stored] = await database.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(stored!.tokenHash).toBe(sha256Hex(token));
    expect(
      await status(
        createFirstAdmin({ db: database.db, input: { email: "other@example.com", password: "another long one" }, now }),
      ),
    ).toBe(403);
    expect(await userCount(database.db)).toBe(1);
    expect(
      await ensureAdminFromEnv({ db: database.db, email: "env@example.com", password: "from the environment" }),
    ).toBe(false);
  });

  it("signs in with the right password only, and ends sessions on sign-out and expiry", async () => {
    const now = new Date();
    expect(
      await status(signIn({ db: database.db, input: { email: "ops@example.com", password: "wrong password!" }, now })),
    ).toBe(401);
    expect(
      await status(
        signIn({ db: database.db, input: { email: "nobody@example.com", password: "correct horse battery" }, now }),
      ),
    ).toBe(401);
    const { token } = await signIn({
      db: database.db,
      input: { email: "OPS@example.com", password: "correct horse battery" },
      now,
    });
    expect(await sessionUser({ db: database.db, token, now })).toMatchObject({ email: "ops@example.com" });
    const later = new Date(now.getTime() + 31 * 86_400_000);
    expect(await sessionUser({ db: database.db, token, now: later })).toBeUndefined();
    await signOut({ db: database.db, token });
    expect(await sessionUser({ db: database.db, token, now })).toBeUndefined();
  });

  it("ends a session left unused for the idle period, and keeps one in use alive", async () => {
    const t0 = new Date("2030-01-01T00:00:00Z");
    const day = 86_400_000;
    const at = (days: number) => new Date(t0.getTime() + days * day);
    const signedIn = () =>
      signIn({ db: database.db, input: { email: "ops@example.com", password: "correct horse battery" }, now: t0 });

    const idle = (await signedIn()).token;
    expect(await sessionUser({ db: database.db, token: idle, now: at(6.9) })).toBeDefined();
    // 6.9 days in, the request above marked it used: idle again from then on
    expect(await sessionUser({ db: database.db, token: idle, now: at(13.8) })).toBeDefined();
    expect(await sessionUser({ db: database.db, token: idle, now: at(20.8) })).toBeUndefined();

    const used = (await signedIn()).token;
    for (let days = 5; days < 30; days += 5) {
      expect(await sessionUser({ db: database.db, token: used, now: at(days) }), `day ${days}`).toBeDefined();
    }
    // still ends 30 days after sign-in, however often it is used
    expect(await sessionUser({ db: database.db, token: used, now: at(30.5) })).toBeUndefined();

    const shortIdle = (await signedIn()).token;
    expect(await sessionUser({ db: database.db, token: shortIdle, now: at(1.5), idleDays: 1 })).toBeUndefined();
  });

  it("writes a session's last use at most every few minutes, not on every request", async () => {
    const now = new Date();
    const { token } = await signIn({
      db: database.db,
      input: { email: "ops@example.com", password: "correct horse battery" },
      now,
    });
    const lastSeen = async () =>
      (
        await database.db
          .select()
          .from(sessions)
          .where(eq(sessions.tokenHash, sha256Hex(token)))
      )[0]!.lastSeenAt;
    await sessionUser({ db: database.db, token, now: new Date(now.getTime() + 60_000) });
    expect(await lastSeen()).toEqual(now);
    const later = new Date(now.getTime() + 10 * 60_000);
    await sessionUser({ db: database.db, token, now: later });
    expect(await lastSeen()).toEqual(later);
  });
});

describe("accounts managed by an admin", () => {
  it("are invited with a password, change role, and the last admin stays", async () => {
    const ctx = await createTestProject(database);
    for (const password of ["viewer pass", "starwars1234", "Monkey123456"]) {
      await expect(createUser({ ctx, input: { email: "viewer@example.com", password } }), password).rejects.toThrow(
        /at least 12 characters|common password/,
      );
    }
    const viewer = await createUser({ ctx, input: { email: "viewer@example.com", password: "viewer password 1" } });
    expect(viewer.role).toBe("viewer");
    await expect(
      createUser({ ctx, input: { email: "VIEWER@example.com", password: "viewer password 1" } }),
    ).rejects.toMatchObject({ code: "unprocessable" });
    const { users: all } = await listUsers({ ctx });
    const ops = all.find((u) => u.email === "ops@example.com")!;
    expect(all.map((u) => [u.email, u.role])).toEqual([
      ["ops@example.com", "admin"],
      ["viewer@example.com", "viewer"],
    ]);

    await expect(updateUser({ ctx, input: { id: ops.id, body: { role: "viewer" } } })).rejects.toMatchObject({
      code: "unprocessable",
    });
    await expect(removeUser({ ctx, input: { id: ops.id } })).rejects.toMatchObject({ code: "unprocessable" });
    expect((await updateUser({ ctx, input: { id: viewer.id, body: { role: "admin" } } })).role).toBe("admin");
    expect((await updateUser({ ctx, input: { id: ops.id, body: { role: "viewer" } } })).role).toBe("viewer");

    const { token } = await signIn({
      db: database.db,
      input: { email: "viewer@example.com", password: "viewer password 1" },
      now: new Date(),
    });
    await updateUser({ ctx, input: { id: ops.id, body: { role: "admin" } } });
    await removeUser({ ctx, input: { id: viewer.id } });
    expect((await listUsers({ ctx })).users.map((u) => u.email)).toEqual(["ops@example.com"]);
    expect(await sessionUser({ db: database.db, token, now: new Date() })).toBeUndefined();
  });
});

describe("the last admin", () => {
  it("remains when the last two admins are demoted or removed at once", async () => {
    const ctx = await createTestProject(database);
    const admins = () => listUsers({ ctx }).then(({ users }) => users.filter((u) => u.role === "admin"));
    for (const change of ["demote", "remove"] as const) {
      await database.db.delete(users);
      const [a, b] = await Promise.all(
        ["a", "b"].map((name) =>
          createUser({ ctx, input: { email: `${name}@example.com`, password: "admin password 1", role: "admin" } }),
        ),
      );
      // each change checks that another admin remains, then makes its own: two at once must take turns
      const results = await Promise.allSettled(
        [a!, b!].map(({ id }) =>
          change === "demote"
            ? updateUser({ ctx, input: { id, body: { role: "viewer" } } })
            : removeUser({ ctx, input: { id } }),
        ),
      );
      expect(
        results.filter((r) => r.status === "fulfilled"),
        change,
      ).toHaveLength(1);
      expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "unprocessable" } });
      expect(await admins(), change).toHaveLength(1);
    }
  });
});

describe("passwords", () => {
  it("of accounts made before the current rules still sign in", async () => {
    await database.db
      .insert(users)
      .values({ email: "legacy@example.com", passwordHash: await hash("ten chars!"), role: "viewer" });
    const { user } = await signIn({
      db: database.db,
      input: { email: "legacy@example.com", password: "ten chars!" },
      now: new Date(),
    });
    expect(user.email).toBe("legacy@example.com");
  });

  it("are changed with the current one, which ends every other session of the account", async () => {
    const now = new Date();
    const email = "changer@example.com";
    const [account] = await database.db
      .insert(users)
      .values({ email, passwordHash: await hash("first password here"), role: "viewer" })
      .returning();
    const signedIn = (password: string) => signIn({ db: database.db, input: { email, password }, now });
    const laptop = (await signedIn("first password here")).token;
    const phone = (await signedIn("first password here")).token;
    const change = (input: unknown) =>
      changePassword({ db: database.db, userId: account!.id, input: PasswordChange.parse(input), now });

    await expect(
      change({ current_password: "not the password", new_password: "second password here" }),
    ).rejects.toMatchObject({ code: "forbidden" });
    expect(await sessionUser({ db: database.db, token: phone, now })).toBeDefined();
    for (const new_password of ["too short", "password1234", "1qaz2wsx3edc"]) {
      expect(
        () => PasswordChange.parse({ current_password: "first password here", new_password }),
        new_password,
      ).toThrow();
    }

    const { token: fresh } = await change({
      current_password: "first password here",
      new_password: "second password here",
    });
    expect(await sessionUser({ db: database.db, token: laptop, now })).toBeUndefined();
    expect(await sessionUser({ db: database.db, token: phone, now })).toBeUndefined();
    expect(await sessionUser({ db: database.db, token: fresh, now })).toMatchObject({ email });
    expect(await status(signedIn("first password here"))).toBe(401);
    expect((await signedIn("second password here")).user.email).toBe(email);
  });
});
