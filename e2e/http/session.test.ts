import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, startServerOn, STORES, type RunningServer } from "./server";

// Dashboard sessions over HTTP: first-run setup, sign-in, the API read with the session cookie,
// same-origin rules, password changes, sign-out, throttling. No middleware decides any of it.

let server: RunningServer;
let key: string;

const call = (path: string, init: RequestInit & { cookie?: string } = {}) =>
  fetch(server.url + path, {
    ...init,
    redirect: "manual",
    headers: {
      ...(init.body ? { "content-type": "application/json" } : {}),
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...(init.headers as Record<string, string>),
    },
  });
const sessionOf = (response: Response) =>
  /tracedeck_session=([^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[0];

describe.each(STORES)("on %s", (store) => {
  beforeAll(async () => {
    server = await startServerOn(store);
    key = await createKey(server.env, "ingest");
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe("dashboard sessions", () => {
    let cookie: string;

    it("creates the first admin once and signs them in with an HttpOnly, SameSite=Lax cookie", async () => {
      expect(await (await call("/api/v1/auth/me")).json()).toEqual({ user: null, setup_required: true });
      for (const [password, reason] of [
        ["eleven char", "at least 12 characters"],
        ["password1234", "common password"],
      ] as const) {
        const refused = await call("/api/v1/auth/setup", {
          method: "POST",
          body: JSON.stringify({ email: "admin@shop.test", password }),
        });
        expect(refused.status, password).toBe(400);
        expect((await refused.json()).error.message).toContain(reason);
      }
      const credentials = JSON.stringify({ email: "admin@shop.test", password: "a long enough secret" });
      const setup = await call("/api/v1/auth/setup", { method: "POST", body: credentials });
      expect(setup.status).toBe(201);
      const setCookie = setup.headers.get("set-cookie")!;
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Lax/);
      expect(setCookie).not.toMatch(/Secure/); // plain http here
      cookie = sessionOf(setup)!;
      expect(
        (
          await call("/api/v1/auth/setup", {
            method: "POST",
            body: JSON.stringify({ email: "x@shop.test", password: "another long secret" }),
          })
        ).status,
      ).toBe(403);
      expect(await (await call("/api/v1/auth/me", { cookie })).json()).toMatchObject({
        user: { email: "admin@shop.test", role: "admin" },
        setup_required: false,
      });
    });

    it("reads the API with the session, for the project it names", async () => {
      expect((await call("/api/v1/traces", { cookie })).status).toBe(200);
      expect((await call("/api/v1/traces?project=default", { cookie })).status).toBe(200);
      expect((await call("/api/v1/traces?project=nope", { cookie })).status).toBe(404);
      expect((await call("/api/v1/traces")).status).toBe(401);
      // the header some Next.js versions trusted to skip middleware changes nothing here
      expect(
        (
          await call("/api/v1/traces", {
            headers: { "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware" },
          })
        ).status,
      ).toBe(401);
      expect((await call("/api/v1/traces", { cookie: "tracedeck_session=forged" })).status).toBe(401);
    });

    it("refuses a session's state-changing request from another origin", async () => {
      const span = JSON.stringify([{ name: "from the browser", start_time: Date.now() / 1000 }]);
      expect(
        (
          await call("/api/v1/spans", {
            method: "POST",
            body: span,
            cookie,
            headers: { origin: "https://evil.example" },
          })
        ).status,
      ).toBe(403);
      expect((await call("/api/v1/spans", { method: "POST", body: span, cookie })).status).toBe(403);
      expect(
        (await call("/api/v1/spans", { method: "POST", body: span, cookie, headers: { origin: server.url } })).status,
      ).toBe(200);
      // keys are not cookies: no origin rule for them
      expect(
        (
          await call("/api/v1/spans", {
            method: "POST",
            body: span,
            headers: { "x-api-key": key, origin: "https://elsewhere.example" },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await call("/api/v1/auth/login", {
            method: "POST",
            body: JSON.stringify({ email: "admin@shop.test", password: "a long enough secret" }),
            headers: { origin: "https://evil.example" },
          })
        ).status,
      ).toBe(403);
    });

    it("lets admins manage keys and accounts, and viewers only read", async () => {
      const same = { origin: server.url };
      const created = await call("/api/v1/keys", {
        method: "POST",
        cookie,
        headers: same,
        body: JSON.stringify({ name: "from settings", scopes: ["ingest"] }),
      });
      expect(created.status).toBe(201);
      const made = await created.json();
      expect(made.secret).toMatch(/^tfs_/);
      const span = JSON.stringify([{ name: "with the new key", start_time: Date.now() / 1000 }]);
      const ingest = () =>
        call("/api/v1/spans", {
          method: "POST",
          body: span,
          headers: { "x-api-key": `${made.key_id}:${made.secret}` },
        });
      expect((await ingest()).status).toBe(200);
      const listed = await (await call("/api/v1/keys", { cookie })).json();
      expect(listed.keys.find((k: { key_id: string }) => k.key_id === made.key_id)).toMatchObject({
        name: "from settings",
        revoked_at: null,
      });
      expect(JSON.stringify(listed)).not.toContain(made.secret);
      expect((await call(`/api/v1/keys/${made.key_id}`, { method: "DELETE", cookie, headers: same })).status).toBe(204);
      expect((await ingest()).status).toBe(401);

      for (const password of ["viewer pass", "qwertyuiop123"]) {
        const refused = await call("/api/v1/users", {
          method: "POST",
          cookie,
          headers: same,
          body: JSON.stringify({ email: "viewer@shop.test", password }),
        });
        expect(refused.status, password).toBe(400);
        expect((await refused.json()).error.message).toMatch(/password: .*(at least 12 characters|common password)/);
      }
      const invite = await call("/api/v1/users", {
        method: "POST",
        cookie,
        headers: same,
        body: JSON.stringify({ email: "viewer@shop.test", password: "viewer secret 123" }),
      });
      expect(invite.status).toBe(201);
      const viewerLogin = await call("/api/v1/auth/login", {
        method: "POST",
        body: JSON.stringify({ email: "viewer@shop.test", password: "viewer secret 123" }),
      });
      const viewer = sessionOf(viewerLogin)!;
      expect((await call("/api/v1/traces", { cookie: viewer })).status).toBe(200);
      expect(
        (
          await call("/api/v1/keys", {
            method: "POST",
            cookie: viewer,
            headers: same,
            body: JSON.stringify({ scopes: ["read"] }),
          })
        ).status,
      ).toBe(403);
      expect((await call("/api/v1/users", { cookie: viewer })).status).toBe(403);
      expect(
        (
          await call("/api/v1/projects", {
            method: "POST",
            cookie: viewer,
            headers: same,
            body: JSON.stringify({ slug: "x", name: "X" }),
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await call("/api/v1/projects", {
            method: "POST",
            cookie,
            headers: same,
            body: JSON.stringify({ slug: "staging", name: "Staging" }),
          })
        ).status,
      ).toBe(201);
      expect((await call("/api/v1/traces?project=staging", { cookie: viewer })).status).toBe(200);

      // a key made for staging writes into staging only, and reads only staging
      const stagingKey = await (
        await call("/api/v1/keys?project=staging", {
          method: "POST",
          cookie,
          headers: same,
          body: JSON.stringify({ scopes: ["ingest", "read"] }),
        })
      ).json();
      const pair = `${stagingKey.key_id}:${stagingKey.secret}`;
      const traceId = "7d3f2c1b0a99887766554433221100ff";
      const sent = await call("/api/v1/spans", {
        method: "POST",
        body: JSON.stringify([{ trace_id: traceId, name: "staging only", start_time: Date.now() / 1000 }]),
        headers: { "x-api-key": pair },
      });
      expect(sent.status).toBe(200);
      expect((await call(`/api/v1/traces/${traceId}?project=staging`, { cookie })).status).toBe(200);
      expect((await call(`/api/v1/traces/${traceId}?project=default`, { cookie })).status).toBe(404);
      expect((await call(`/api/v1/traces/${traceId}`, { headers: { "x-api-key": pair } })).status).toBe(200);
      // a key acts for its own project only: naming another is refused, not answered for its own
      expect((await call(`/api/v1/traces/${traceId}?project=default`, { headers: { "x-api-key": pair } })).status).toBe(
        403,
      );
      expect((await call(`/api/v1/traces/${traceId}`, { headers: { "x-api-key": key } })).status).toBe(403); // ingest-only default key
    });

    it("changes a password with the current one, ending the account's other sessions", async () => {
      const same = { origin: server.url };
      const signIn = async (password: string) =>
        call("/api/v1/auth/login", {
          method: "POST",
          body: JSON.stringify({ email: "viewer@shop.test", password }),
        });
      const here = sessionOf(await signIn("viewer secret 123"))!;
      const elsewhere = sessionOf(await signIn("viewer secret 123"))!;
      const change = (body: object, init: { cookie?: string; headers?: Record<string, string> } = {}) =>
        call("/api/v1/auth/password", {
          method: "POST",
          cookie: init.cookie ?? here,
          headers: init.headers ?? same,
          body: JSON.stringify(body),
        });

      const wrong = await change({ current_password: "not my password", new_password: "a brand new secret" });
      expect(wrong.status).toBe(403);
      expect((await wrong.json()).error.message).toMatch(/current password is wrong/);
      for (const [newPassword, reason] of [
        ["too short", "at least 12 characters"],
        ["iloveyou1234", "common password"],
      ] as const) {
        const refused = await change({ current_password: "viewer secret 123", new_password: newPassword });
        expect(refused.status, newPassword).toBe(400);
        expect((await refused.json()).error.message).toContain(reason);
      }
      // a session's change from another site's page, or a key (which has no password), is refused
      expect(
        (
          await change(
            { current_password: "viewer secret 123", new_password: "a brand new secret" },
            { headers: { origin: "https://evil.example" } },
          )
        ).status,
      ).toBe(403);
      expect(
        (
          await call("/api/v1/auth/password", {
            method: "POST",
            headers: { "x-api-key": key },
            body: JSON.stringify({ current_password: "x", new_password: "a brand new secret" }),
          })
        ).status,
      ).toBe(403);
      expect((await call("/api/v1/traces", { cookie: elsewhere })).status).toBe(200);

      const changed = await change({ current_password: "viewer secret 123", new_password: "a brand new secret" });
      expect(changed.status).toBe(200);
      expect(await changed.json()).toMatchObject({ user: { email: "viewer@shop.test" } });
      const fresh = sessionOf(changed)!;
      expect(fresh).toBeDefined();
      expect((await call("/api/v1/traces", { cookie: fresh })).status).toBe(200);
      expect((await call("/api/v1/traces", { cookie: elsewhere })).status).toBe(401);
      expect((await call("/api/v1/traces", { cookie: here })).status).toBe(401);
      expect((await signIn("viewer secret 123")).status).toBe(401);
      expect((await signIn("a brand new secret")).status).toBe(200);
    });

    it("signs out, and refuses an address after repeated wrong passwords, whatever X-Forwarded-For it sends", async () => {
      expect((await call("/api/v1/auth/logout", { method: "POST", cookie })).status).toBe(204);
      expect((await call("/api/v1/traces", { cookie })).status).toBe(401);

      const attempt = (password: string, forwardedFor: string) =>
        call("/api/v1/auth/login", {
          method: "POST",
          body: JSON.stringify({ email: "admin@shop.test", password }),
          headers: { "x-forwarded-for": forwardedFor, "x-tracedeck-peer": forwardedFor },
        });
      const good = await attempt("a long enough secret", "198.51.100.1");
      expect(good.status).toBe(200);
      expect(sessionOf(good)).toBeDefined();
      // a new forged address per guess: the server counts the connection's address, not what the client claims
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await attempt("wrong password", `198.51.100.${10 + i}`)).status);
      expect(statuses).toContain(429);
      expect(statuses.filter((status) => status !== 429).every((status) => status === 401)).toBe(true);
      const throttled = await attempt("a long enough secret", "203.0.113.200");
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    });
  });
});

describe.each(STORES)("sign-in throttling behind a trusted proxy, on %s", (store) => {
  let proxied: RunningServer;
  beforeAll(async () => {
    // this test's requests come from 127.0.0.1, as from a reverse proxy on the same machine
    proxied = await startServerOn(store, { env: { TRACEDECK_TRUSTED_PROXIES: "127.0.0.1,10.0.0.0/8" } });
    const setup = await fetch(`${proxied.url}/api/v1/auth/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "owner@shop.test", password: "the owner's own secret" }),
    });
    expect(setup.status).toBe(201);
  });
  afterAll(async () => {
    await proxied?.stop();
  });

  const signIn = (email: string, password: string, forwardedFor: string) =>
    fetch(`${proxied.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
      body: JSON.stringify({ email, password }),
    });

  it("counts each client address the proxy names on its own", async () => {
    const statuses = async (forwardedFor: string, n: number) => {
      const seen: number[] = [];
      for (let i = 0; i < n; i++)
        seen.push((await signIn(`guess${i}@shop.test`, "wrong password", forwardedFor)).status);
      return seen;
    };
    expect(await statuses("198.51.100.1", 10)).toEqual(Array(10).fill(401));
    expect((await signIn("guess0@shop.test", "wrong password", "198.51.100.1")).status).toBe(429);
    // another client behind the same proxy, and one behind a further trusted hop, are not affected
    expect(await statuses("198.51.100.2", 3)).toEqual([401, 401, 401]);
    expect((await signIn("guess0@shop.test", "wrong password", "198.51.100.3, 10.1.1.1")).status).toBe(401);
    // an address the client wrote in front of the proxy's own entry changes nothing
    expect((await signIn("guess0@shop.test", "wrong password", "192.0.2.99, 198.51.100.1")).status).toBe(429);
  });

  it("does not lock the owner out when a stranger fails twenty times: the owner signs in from elsewhere", async () => {
    const stranger = "203.0.113.66";
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signIn("owner@shop.test", `guess number ${i}`, stranger)),
    );
    const statuses = guesses.map((response) => response.status).sort();
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(10).fill(429)]);
    // the stranger's address is refused for every account, the owner's password included
    expect((await signIn("someone@shop.test", "wrong password", stranger)).status).toBe(429);
    expect((await signIn("owner@shop.test", "the owner's own secret", stranger)).status).toBe(429);

    const started = Date.now();
    const owner = await signIn("owner@shop.test", "the owner's own secret", "192.0.2.10");
    expect(owner.status).toBe(200);
    // the account's failures made it wait a little, never more than a few seconds
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
