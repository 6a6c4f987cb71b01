import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, queryRows, type Database } from "@/db/client";
import { createScratchDatabase } from "@/db/testing/postgres";
import { startServer, STORES, type RunningServer } from "./server";

// Sessions end when left unused for the idle period as well as at their absolute end, on the real server; and
// the last admin stays an admin when two admins demote each other at the same moment.

describe.each(STORES)("on %s", (store) => {
  let server: RunningServer | undefined;
  let storage: { databaseUrl?: string; dataDir?: string };
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (store === "postgres") {
      const scratch = await createScratchDatabase("tracedeck_http_sessions");
      storage = { databaseUrl: scratch.url };
      cleanup = scratch.drop;
    } else {
      const dataDir = mkdtempSync(path.join(tmpdir(), "tracedeck-sessions-"));
      storage = { dataDir };
      cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
    }
    server = await startServer(storage);
  });
  afterAll(async () => {
    await server?.stop();
    await cleanup?.();
  });

  const url = () => server!.url;
  const post = (p: string, body: unknown, cookie?: string) =>
    fetch(url() + p, {
      method: "POST",
      headers: { "content-type": "application/json", ...(cookie ? { cookie, origin: url() } : {}) },
      body: JSON.stringify(body),
    });
  const signIn = async (email: string, password: string): Promise<string> => {
    const response = await post("/api/v1/auth/login", { email, password });
    expect(response.status, email).toBe(200);
    return /tracedeck_session=[^;]+/.exec(response.headers.get("set-cookie") ?? "")![0];
  };
  const me = async (cookie: string) =>
    (await (await fetch(`${url()}/api/v1/auth/me`, { headers: { cookie } })).json()) as { user: unknown };

  /** Runs `change` on the stopped server's store, then starts the server again on it. */
  async function whileStopped(change: (database: Database) => Promise<void>): Promise<void> {
    await server!.stop();
    server = undefined;
    const database =
      store === "postgres"
        ? openDatabase({ driver: "postgres", url: storage.databaseUrl!, poolSize: 1 })
        : openDatabase({ driver: "pglite", dataDir: path.join(storage.dataDir!, "pglite") });
    try {
      await change(database);
    } finally {
      await database.close();
    }
    server = await startServer(storage);
  }

  it("ends a session unused for the idle period (7 days), and one past its 30 days, and keeps the rest", async () => {
    const owner = { email: "owner@sessions.test", password: "the owner's long password" };
    expect((await post("/api/v1/auth/setup", owner)).status).toBe(201);
    const idle = await signIn(owner.email, owner.password);
    const recent = await signIn(owner.email, owner.password);
    const old = await signIn(owner.email, owner.password);
    for (const cookie of [idle, recent, old]) expect((await me(cookie)).user).toMatchObject({ email: owner.email });

    await whileStopped(async ({ db }) => {
      // the first-run setup signed in too
      expect(await queryRows(db, sql`select id from sessions`)).toHaveLength(4);
      const hash = (cookie: string) => sql`encode(sha256(convert_to(${cookie.split("=")[1]!}, 'UTF8')), 'hex')`;
      await db.execute(
        sql`update sessions set last_seen_at = now() - interval '8 days' where token_hash = ${hash(idle)}`,
      );
      await db.execute(
        sql`update sessions set last_seen_at = now() - interval '6 days' where token_hash = ${hash(recent)}`,
      );
      await db.execute(
        sql`update sessions set created_at = now() - interval '31 days', expires_at = now() - interval '1 day'
            where token_hash = ${hash(old)}`,
      );
    });
    expect((await me(idle)).user).toBeNull();
    expect((await me(old)).user).toBeNull();
    expect((await me(recent)).user).toMatchObject({ email: owner.email });
    const refused = await fetch(`${url()}/api/v1/keys`, { headers: { cookie: idle } });
    expect(refused.status).toBe(401);
  });

  it("keeps one admin when two admins demote each other at the same moment", async () => {
    const owner = await signIn("owner@sessions.test", "the owner's long password");
    const second = { email: "second@sessions.test", password: "the second admin's password", role: "admin" };
    const created = await post("/api/v1/users", second, owner);
    expect(created.status).toBe(201);
    const users = (await (await fetch(`${url()}/api/v1/users`, { headers: { cookie: owner } })).json()) as {
      users: { id: string; email: string; role: string }[];
    };
    const id = (email: string) => users.users.find((u) => u.email === email)!.id;
    const secondCookie = await signIn(second.email, second.password);
    const demote = (cookie: string, userId: string) =>
      fetch(`${url()}/api/v1/users/${userId}`, {
        method: "PATCH",
        headers: { "content-type": "application/json", cookie, origin: url() },
        body: JSON.stringify({ role: "viewer" }),
      });
    const [a, b] = await Promise.all([
      demote(owner, id(second.email)),
      demote(secondCookie, id("owner@sessions.test")),
    ]);
    const statuses = [a.status, b.status].sort();
    // one demotion goes through; the other finds its author no longer an admin (403) or the target the last one (422)
    expect(statuses[0]).toBe(200);
    expect([403, 422]).toContain(statuses[1]);
    const after = (await (
      await fetch(`${url()}/api/v1/users`, { headers: { cookie: a.status === 200 ? owner : secondCookie } })
    ).json()) as {
      users: { role: string }[];
    };
    expect(after.users.filter((u) => u.role === "admin")).toHaveLength(1);
  });
});
