import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, openTestDatabase, uniqueName } from "@/db/testing";
import { projects, type Database } from "@/db/testing/tables";
import type { Ctx } from "./context";
import { authenticate } from "./authenticate";
import {
  createProject,
  createProjectKey,
  listProjectKeys,
  listProjects,
  revokeProjectKey,
  updateProject,
} from "./settings";

// accounts are global and tested in users.db.test.ts, which owns the users table
let database: Database;
let ctx: Ctx & { slug: string };
let other: Ctx & { slug: string };
/** ctx as a signed-in admin sees it: projects are instance-wide */
let signedIn: Ctx;
beforeAll(async () => {
  database = await openTestDatabase();
  ctx = await createTestProject(database);
  other = await createTestProject(database);
  signedIn = { ...ctx, user: { id: "00000000-0000-0000-0000-000000000001", email: "ops@example.com", role: "admin" } };
});
afterAll(async () => {
  await database.close();
});

const keyHeaders = (key: { key_id: string; secret: string }) =>
  new Request("http://localhost/api/v1/spans", {
    method: "POST",
    headers: { authorization: `Bearer ${key.key_id}:${key.secret}` },
  });

describe("projects", () => {
  it("are created once per slug and renamed", async () => {
    const slug = uniqueName("shop");
    expect(await createProject({ ctx, input: { slug, name: "Shop" } })).toMatchObject({ slug, name: "Shop" });
    await expect(createProject({ ctx, input: { slug, name: "Again" } })).rejects.toMatchObject({
      code: "unprocessable",
    });
    await expect(createProject({ ctx, input: { slug: "Not A Slug", name: "x" } })).rejects.toThrow();
    expect(await updateProject({ ctx, input: { slug, body: { name: "Shop (prod)" } } })).toMatchObject({
      name: "Shop (prod)",
      public_metrics: false,
    });
    await expect(updateProject({ ctx, input: { slug: "missing-project", body: { name: "x" } } })).rejects.toMatchObject(
      { code: "not_found" },
    );
    expect((await listProjects({ ctx: signedIn })).projects.map((p) => p.slug)).toContain(slug);
  });

  it("are listed in full to a signed-in account, and to a key only its own", async () => {
    const all = (await listProjects({ ctx: signedIn })).projects.map((p) => p.slug);
    expect(all).toEqual(expect.arrayContaining([ctx.slug, other.slug]));
    expect((await listProjects({ ctx })).projects.map((p) => p.slug)).toEqual([ctx.slug]);
  });

  it("take a change of name, of public_metrics or of both, and nothing else", async () => {
    const slug = uniqueName("shop");
    await createProject({ ctx, input: { slug, name: "Shop" } });
    expect(await updateProject({ ctx, input: { slug, body: { public_metrics: true } } })).toMatchObject({
      name: "Shop",
      public_metrics: true,
    });
    expect(
      await updateProject({ ctx, input: { slug, body: { name: "Shop (prod)", public_metrics: false } } }),
    ).toMatchObject({ name: "Shop (prod)", public_metrics: false });
    for (const body of [{}, { public_metrics: "yes" }, { name: "" }, { colour: "red" }, null]) {
      await expect(updateProject({ ctx, input: { slug, body } })).rejects.toMatchObject({ name: "ZodError" });
    }
    expect((await listProjects({ ctx: signedIn })).projects.find((p) => p.slug === slug)).toMatchObject({
      name: "Shop (prod)",
      public_metrics: false,
    });
  });
});

describe("GET /metrics without credentials", () => {
  const scrape = (query: string) => new Request(`http://localhost/metrics${query}`);
  const anonymously = (request: Request) =>
    authenticate({ db: database.db, request, scope: "read", now: new Date(), anonymous: "public_metrics" });

  it("acts for the named project only while an admin has made it public, and fails alike for private and unknown projects", async () => {
    const slug = uniqueName("public");
    await createProject({ ctx, input: { slug, name: "Public" } });
    const refused = { code: "unauthorized", message: expect.stringMatching(/^missing credentials/) };
    await expect(anonymously(scrape(`?project=${slug}`))).rejects.toMatchObject(refused);
    await expect(anonymously(scrape("?project=no-such-project"))).rejects.toMatchObject(refused);

    await updateProject({ ctx, input: { slug, body: { public_metrics: true } } });
    const principal = await anonymously(scrape(`?project=${slug}`));
    expect(principal.scopes).toEqual([]);
    const [row] = await database.db.select({ id: projects.id }).from(projects).where(eq(projects.slug, slug));
    expect(principal.projectId).toBe(row!.id);
    // only endpoints that allow it serve a public project without credentials
    await expect(
      authenticate({ db: database.db, request: scrape(`?project=${slug}`), scope: "read", now: new Date() }),
    ).rejects.toMatchObject(refused);

    await updateProject({ ctx, input: { slug, body: { public_metrics: false } } });
    await expect(anonymously(scrape(`?project=${slug}`))).rejects.toMatchObject(refused);
  });

  it("answers a malformed project with a 400 before any lookup", async () => {
    for (const value of ["Not%20A%20Slug", "%00", "x".repeat(100)]) {
      await expect(anonymously(scrape(`?project=${value}`))).rejects.toMatchObject({
        code: "validation_failed",
      });
    }
  });
});

describe("API keys of a project", () => {
  it("are created with their secret shown once, listed without it, and revoked only within the project", async () => {
    const key = await createProjectKey({ ctx, input: { name: "ci", scopes: ["ingest", "read"] } });
    expect(key.secret).toMatch(/^tfs_/);
    const principal = await authenticate({
      db: database.db,
      request: keyHeaders(key),
      scope: "ingest",
      now: new Date(),
    });
    expect(principal.projectId).toBe(ctx.projectId);
    const { keys } = await listProjectKeys({ ctx });
    expect(keys.map((k) => k.key_id)).toContain(key.key_id);
    expect(JSON.stringify(keys)).not.toContain(key.secret);
    expect((await listProjectKeys({ ctx: other })).keys.map((k) => k.key_id)).not.toContain(key.key_id);
    await expect(revokeProjectKey({ ctx: other, input: { key_id: key.key_id } })).rejects.toMatchObject({
      code: "not_found",
    });
    await revokeProjectKey({ ctx, input: { key_id: key.key_id } });
    await expect(
      authenticate({ db: database.db, request: keyHeaders(key), scope: "ingest", now: new Date() }),
    ).rejects.toMatchObject({ code: "unauthorized" });
  });
});
