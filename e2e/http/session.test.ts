import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, startServer, type RunningServer } from "./server";

// Dashboard sessions over HTTP: first-run setup, sign-in, the API read with the session cookie,
// same-origin rules, sign-out, throttling. No middleware decides any of it.

let server: RunningServer;
let key: string;
beforeAll(async () => {
  server = await startServer({});
  key = await createKey(server.env, "ingest");
});
afterAll(async () => {
  await server?.stop();
});

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

describe("dashboard sessions", () => {
  let cookie: string;

  it("creates the first admin once and signs them in with an HttpOnly, SameSite=Lax cookie", async () => {
    expect(await (await call("/api/v1/auth/me")).json()).toEqual({ user: null, setup_required: true });
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
      (await call("/api/v1/spans", { method: "POST", body: span, cookie, headers: { origin: "https://evil.example" } }))
        .status,
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
      call("/api/v1/spans", { method: "POST", body: span, headers: { "x-api-key": `${made.key_id}:${made.secret}` } });
    expect((await ingest()).status).toBe(200);
    const listed = await (await call("/api/v1/keys", { cookie })).json();
    expect(listed.keys.find((k: { key_id: string }) => k.key_id === made.key_id)).toMatchObject({
      name: "from settings",
      revoked_at: null,
    });
    expect(JSON.stringify(listed)).not.toContain(made.secret);
    expect((await call(`/api/v1/keys/${made.key_id}`, { method: "DELETE", cookie, headers: same })).status).toBe(204);
    expect((await ingest()).status).toBe(401);

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

  it("signs out, and slows down repeated wrong passwords with 429", async () => {
    expect((await call("/api/v1/auth/logout", { method: "POST", cookie })).status).toBe(204);
    expect((await call("/api/v1/traces", { cookie })).status).toBe(401);

    const attempt = (password: string) =>
      call("/api/v1/auth/login", { method: "POST", body: JSON.stringify({ email: "admin@shop.test", password }) });
    const good = await attempt("a long enough secret");
    expect(good.status).toBe(200);
    expect(sessionOf(good)).toBeDefined();
    for (let i = 0; i < 5; i++) expect((await attempt("wrong password")).status).toBe(401);
    const throttled = await attempt("a long enough secret");
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
