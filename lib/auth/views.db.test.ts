import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db";
import { users } from "@/db/schema";
import { createTestProject, openOwnDatabase } from "@/db/testing";
import type { Ctx } from "./context";
import { createView, deleteView, listViews, MAX_VIEWS, renameView } from "./views";

// Saved views on a database of this file's own: it makes accounts, which other files count.

let own: { database: Database; close: () => Promise<void> };
let project: Ctx;
let other: Ctx;
let alice: Ctx;
let bob: Ctx;
let admin: Ctx;
let key: Ctx;

beforeAll(async () => {
  own = await openOwnDatabase();
  await own.database.migrate();
  project = await createTestProject(own.database);
  other = await createTestProject(own.database);
  const account = async (email: string, role: "admin" | "viewer") => {
    const [row] = await own.database.db.insert(users).values({ email, passwordHash: "x", role }).returning();
    return { id: row!.id, email, role };
  };
  alice = { ...project, scopes: ["read"], user: await account("alice@shop.test", "viewer") };
  bob = { ...project, scopes: ["read"], user: await account("bob@shop.test", "viewer") };
  admin = { ...project, scopes: ["read", "admin"], user: await account("ops@shop.test", "admin") };
  key = { ...project, scopes: ["read"] };
});
afterAll(() => own.close());

describe("saved views", () => {
  it("are saved by anyone who reads the project, listed by name, and kept to the project", async () => {
    const slow = await createView({
      ctx: alice,
      input: { name: "  Slow checkouts ", path: "/traces", query: "service=api&min_duration_ms=500&project=elsewhere" },
    });
    // the project is the view's own: a query naming another is not kept
    expect(slow).toMatchObject({ name: "Slow checkouts", path: "/traces", query: "service=api&min_duration_ms=500" });
    await createView({ ctx: key, input: { name: "Errors", path: "/traces", query: "status=error" } });
    expect((await listViews({ ctx: bob })).views.map((v) => [v.name, v.created_by_you])).toEqual([
      ["Errors", false],
      ["Slow checkouts", false],
    ]);
    expect((await listViews({ ctx: alice })).views.find((v) => v.name === "Slow checkouts")!.created_by_you).toBe(true);
    expect((await listViews({ ctx: other })).views).toEqual([]);
    await expect(createView({ ctx: bob, input: { name: "Errors", path: "/logs" } })).rejects.toMatchObject({
      code: "unprocessable",
      message: 'a view named "Errors" exists already in this project',
    });
  });

  it("refuse a path that is no dashboard page, and an empty name", async () => {
    for (const path of ["https://evil.example/", "//evil.example", "/api/v1/keys", "/v1/traces", "/login", "traces"])
      await expect(createView({ ctx: alice, input: { name: `p ${path}`, path } }), path).rejects.toThrow(
        /must be a path of a dashboard page/,
      );
    await expect(createView({ ctx: alice, input: { name: " ", path: "/traces" } })).rejects.toThrow(
      /must not be empty/,
    );
  });

  it("are renamed and deleted by their author or an admin only", async () => {
    const mine = await createView({ ctx: alice, input: { name: "Mine", path: "/network", query: "host=db" } });
    await expect(renameView({ ctx: bob, input: { id: mine.id, body: { name: "Bob's" } } })).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(deleteView({ ctx: key, input: { id: mine.id } })).rejects.toMatchObject({ code: "forbidden" });
    expect(await renameView({ ctx: alice, input: { id: mine.id, body: { name: "Database hosts" } } })).toMatchObject({
      name: "Database hosts",
      query: "host=db",
    });
    await expect(renameView({ ctx: alice, input: { id: mine.id, body: { name: "Errors" } } })).rejects.toMatchObject({
      code: "unprocessable",
    });
    await expect(
      renameView({ ctx: { ...other, scopes: ["read", "admin"] }, input: { id: mine.id, body: { name: "x" } } }),
    ).rejects.toMatchObject({
      code: "not_found",
    });
    await deleteView({ ctx: admin, input: { id: mine.id } });
    expect((await listViews({ ctx: alice })).views.map((v) => v.name)).not.toContain("Database hosts");
    await expect(deleteView({ ctx: admin, input: { id: mine.id } })).rejects.toMatchObject({ code: "not_found" });
  });

  it("are capped per project", async () => {
    const ctx = { ...(await createTestProject(own.database)), scopes: ["read"] as const };
    for (let i = 0; i < MAX_VIEWS; i++) await createView({ ctx, input: { name: `v${i}`, path: "/traces" } });
    await expect(createView({ ctx, input: { name: "one more", path: "/traces" } })).rejects.toThrow(
      `a project keeps at most ${MAX_VIEWS} views`,
    );
  });
});
