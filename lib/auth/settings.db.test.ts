import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, openTestDatabase, uniqueName } from "@/db/testing";
import type { Database } from "@/db/testing/tables";
import type { Ctx } from "./context";
import { authenticate } from "./authenticate";
import { createProject, createProjectKey, listProjectKeys, listProjects, renameProject, revokeProjectKey } from "./settings";

// accounts are global and tested in users.db.test.ts, which owns the users table
let database: Database;
let ctx: Ctx;
let other: Ctx;
beforeAll(async () => {
  database = await openTestDatabase();
  ctx = await createTestProject(database);
  other = await createTestProject(database);
});
afterAll(async () => {
  await database.close();
});

const keyHeaders = (key: { key_id: string; secret: string }) =>
  new Request("http://localhost/api/v1/spans", { method: "POST", headers: { authorization: `Bearer ${key.key_id}:${key.secret}` } });

describe("projects", () => {
  it("are created once per slug and renamed", async () => {
    const slug = uniqueName("shop");
    expect(await createProject({ ctx, input: { slug, name: "Shop" } })).toMatchObject({ slug, name: "Shop" });
    await expect(createProject({ ctx, input: { slug, name: "Again" } })).rejects.toMatchObject({ status: 422 });
    await expect(createProject({ ctx, input: { slug: "Not A Slug", name: "x" } })).rejects.toThrow();
    expect(await renameProject({ ctx, input: { slug, body: { name: "Shop (prod)" } } })).toMatchObject({ name: "Shop (prod)" });
    await expect(renameProject({ ctx, input: { slug: "missing-project", body: { name: "x" } } })).rejects.toMatchObject({ status: 404 });
    expect((await listProjects({ ctx })).projects.map((p) => p.slug)).toContain(slug);
  });
});

describe("API keys of a project", () => {
  it("are created with their secret shown once, listed without it, and revoked only within the project", async () => {
    const key = await createProjectKey({ ctx, input: { name: "ci", scopes: ["ingest", "read"] } });
    expect(key.secret).toMatch(/^tfs_/);
    const principal = await authenticate({ db: database.db, request: keyHeaders(key), scope: "ingest", now: new Date() });
    expect(principal.projectId).toBe(ctx.projectId);
    const { keys } = await listProjectKeys({ ctx });
    expect(keys.map((k) => k.key_id)).toContain(key.key_id);
    expect(JSON.stringify(keys)).not.toContain(key.secret);
    expect((await listProjectKeys({ ctx: other })).keys.map((k) => k.key_id)).not.toContain(key.key_id);
    await expect(revokeProjectKey({ ctx: other, input: { key_id: key.key_id } })).rejects.toMatchObject({ status: 404 });
    await revokeProjectKey({ ctx, input: { key_id: key.key_id } });
    await expect(authenticate({ db: database.db, request: keyHeaders(key), scope: "ingest", now: new Date() })).rejects.toMatchObject({ status: 401 });
  });
});
