import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, openTestDatabase } from "@/db/testing";
import { sessions, users, type Database } from "@/db/testing/tables";
import { ApiError } from "@/lib/errors";
import { errorStatus } from "@/lib/http/errors";
import { sha256Hex } from "./keys";
import { assertNotThrottled, recordFailure } from "./throttle";
import { createUser, listUsers, removeUser, updateUser } from "./settings";
import { createFirstAdmin, ensureAdminFromEnv, sessionUser, signIn, signOut, userCount } from "./users";

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
    expect(
      await status(createFirstAdmin({ db: database.db, input: { email: "ops@example.com", password: "short" }, now })),
    ).toBe(400);
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
});

describe("accounts managed by an admin", () => {
  it("are invited with a password, change role, and the last admin stays", async () => {
    const ctx = await createTestProject(database);
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

describe("sign-in throttling", () => {
  it("answers 429 after five failures in the window, and lets the address try again later", () => {
    const key = `someone@example.com|10.0.0.${Math.floor(Math.random() * 250)}`;
    const t0 = 1_000_000;
    for (let i = 0; i < 5; i++) {
      assertNotThrottled(key, t0 + i);
      recordFailure(key, t0 + i);
    }
    expect(() => assertNotThrottled(key, t0 + 10)).toThrow(expect.objectContaining({ code: "rate_limited" }));
    expect(() => assertNotThrottled(key, t0 + 16 * 60_000)).not.toThrow();
  });
});
