import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardCookie, startServerOn, STORES, type RunningServer } from "./server";

// Who may do what: a project's admin key manages that project (its keys, its publishers) and nothing else;
// accounts, other projects and instance-wide settings belong to signed-in admins.

let server: RunningServer;
let admin: { cookie: string; origin: string };
/** an admin key of project "tenant-b", made by a signed-in admin */
let tenantAdminKey: string;

const call = (path: string, init: { method?: string; key?: string; body?: unknown; session?: boolean } = {}) =>
  fetch(server.url + path, {
    method: init.method ?? "GET",
    headers: {
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
      ...(init.session ? { cookie: admin.cookie, origin: admin.origin } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

describe.each(STORES)("on %s", (store) => {
  beforeAll(async () => {
    server = await startServerOn(store);
    admin = { cookie: await dashboardCookie(server.url), origin: server.url };
    const project = await call("/api/v1/projects", {
      method: "POST",
      session: true,
      body: { slug: "tenant-b", name: "B" },
    });
    expect(project.status).toBe(201);
    const key = await call("/api/v1/keys?project=tenant-b", {
      method: "POST",
      session: true,
      body: { name: "b admin", scopes: ["admin"] },
    });
    expect(key.status).toBe(201);
    const made = (await key.json()) as { key_id: string; secret: string };
    tenantAdminKey = `${made.key_id}:${made.secret}`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe("a project's admin key", () => {
    it("cannot create an account, and so cannot sign in to reach other projects", async () => {
      const invite = await call("/api/v1/users", {
        method: "POST",
        key: tenantAdminKey,
        body: { email: "intruder@tenant-b.test", password: "a long enough secret", role: "admin" },
      });
      expect(invite.status).toBe(403);
      expect(await invite.json()).toMatchObject({ error: { code: "forbidden", message: /signed-in admin/ } });
      const signIn = await call("/api/v1/auth/login", {
        method: "POST",
        body: { email: "intruder@tenant-b.test", password: "a long enough secret" },
      });
      expect(signIn.status).toBe(401);
      expect((await call("/api/v1/users", { key: tenantAdminKey })).status).toBe(403);
    });

    it("cannot make keys for, rename or publish the metrics of another project", async () => {
      const keyForDefault = await call("/api/v1/keys?project=default", {
        method: "POST",
        key: tenantAdminKey,
        body: { scopes: ["admin"] },
      });
      expect(keyForDefault.status).toBe(403);
      expect(await keyForDefault.json()).toMatchObject({ error: { message: /belongs to project "tenant-b"/ } });
      const viaHeader = await fetch(`${server.url}/api/v1/keys`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${tenantAdminKey}`,
          "x-tracedeck-project": "default",
          "content-type": "application/json",
        },
        body: JSON.stringify({ scopes: ["read"] }),
      });
      expect(viaHeader.status).toBe(403);
      for (const body of [{ name: "taken over" }, { public_metrics: true }]) {
        expect((await call("/api/v1/projects/default", { method: "PATCH", key: tenantAdminKey, body })).status).toBe(
          403,
        );
      }
      expect(
        (await call("/api/v1/projects", { method: "POST", key: tenantAdminKey, body: { slug: "c", name: "C" } }))
          .status,
      ).toBe(403);
      const projects = (await (await call("/api/v1/projects", { session: true })).json()) as {
        projects: { slug: string; name: string; public_metrics: boolean }[];
      };
      expect(projects.projects.find((p) => p.slug === "default")).toMatchObject({
        name: "Default",
        public_metrics: false,
      });
      expect((await call("/metrics?project=default")).status).toBe(401);
    });

    it("answers for another project with a 403, never silently for its own", async () => {
      for (const path of ["/api/v1/traces?project=default", "/api/v1/services?project=default"]) {
        const response = await call(path, { key: tenantAdminKey });
        expect(response.status, path).toBe(403);
      }
      expect((await call("/api/v1/traces?project=tenant-b", { key: tenantAdminKey })).status).toBe(200);
      expect((await call("/api/v1/traces", { key: tenantAdminKey })).status).toBe(200);
    });

    it("lists only its own project", async () => {
      const { projects } = (await (await call("/api/v1/projects", { key: tenantAdminKey })).json()) as {
        projects: { slug: string }[];
      };
      expect(projects.map((p) => p.slug)).toEqual(["tenant-b"]);
      const all = (await (await call("/api/v1/projects", { session: true })).json()) as {
        projects: { slug: string }[];
      };
      expect(all.projects.map((p) => p.slug)).toEqual(expect.arrayContaining(["default", "tenant-b"]));
    });

    it("cannot read or change the instance's retention, which a signed-in admin can", async () => {
      expect((await call("/api/v1/retention", { key: tenantAdminKey })).status).toBe(403);
      expect(
        (await call("/api/v1/retention", { method: "PATCH", key: tenantAdminKey, body: { traces: 1 } })).status,
      ).toBe(403);
      const retention = (await (await call("/api/v1/retention", { session: true })).json()) as {
        traces: { days: number };
      };
      expect(retention.traces.days).toBeGreaterThan(1);
    });

    it("still manages its own project's keys and publishers", async () => {
      const key = await call("/api/v1/keys", { method: "POST", key: tenantAdminKey, body: { scopes: ["ingest"] } });
      expect(key.status).toBe(201);
      const { keys } = (await (await call("/api/v1/keys", { key: tenantAdminKey })).json()) as {
        keys: { key_id: string }[];
      };
      expect(keys.map((k) => k.key_id)).toContain(((await key.json()) as { key_id: string }).key_id);
      expect((await call("/api/v1/publishers", { key: tenantAdminKey })).status).toBe(200);
    });
  });
});
