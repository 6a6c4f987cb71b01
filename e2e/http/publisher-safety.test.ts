import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardCookie, startServerOn, STORES, type RunningServer } from "./server";

// Publishers as an attacker with a project's admin key would set them, against a server that keeps the default
// (no private targets): they may not point at the machine or its networks, credentials never show and never rest in
// clear, and a project's key reaches only its own project's publishers.

const run = promisify(execFile);

let server: RunningServer;
let session: { cookie: string; origin: string };
/** an admin key of project "tenant-p", made by a signed-in admin */
let tenantKey: string;

const call = (urlPath: string, init: { method?: string; key?: string; body?: unknown; session?: boolean } = {}) =>
  fetch(server.url + urlPath, {
    method: init.method ?? "GET",
    headers: {
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
      ...(init.session ? { cookie: session.cookie, origin: session.origin } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

interface Listed {
  id: string;
  name: string;
  target: string | null;
  last_error: string | null;
  config: Record<string, unknown> | null;
}
const listed = async (key: string): Promise<Listed[]> => {
  const response = await call("/api/v1/publishers", { key });
  expect(response.status).toBe(200);
  return ((await response.json()) as { publishers: Listed[] }).publishers;
};

/** Every file under a directory whose bytes hold the text. */
function filesHolding(dir: string, text: string): string[] {
  const needle = Buffer.from(text);
  const found: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at)) {
      const file = path.join(at, entry);
      if (statSync(file).isDirectory()) walk(file);
      else if (readFileSync(file).includes(needle)) found.push(file);
    }
  };
  walk(dir);
  return found;
}

describe.each(STORES)("on %s", (store) => {
  beforeAll(async () => {
    // the server's default: publishers may not reach private addresses
    server = await startServerOn(store, { env: { TRACEDECK_ALLOW_PRIVATE_TARGETS: "" } });
    session = { cookie: await dashboardCookie(server.url), origin: server.url };
    expect(
      (await call("/api/v1/projects", { method: "POST", session: true, body: { slug: "tenant-p", name: "P" } })).status,
    ).toBe(201);
    const key = await call("/api/v1/keys?project=tenant-p", {
      method: "POST",
      session: true,
      body: { name: "p admin", scopes: ["admin", "ingest", "read"] },
    });
    expect(key.status).toBe(201);
    const made = (await key.json()) as { key_id: string; secret: string };
    tenantKey = `${made.key_id}:${made.secret}`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Adding a webhook to `url` is a 400 in the error envelope whose message matches `why`. */
  async function expectRefused(name: string, url: string, why: RegExp): Promise<void> {
    const response = await call("/api/v1/publishers", {
      method: "POST",
      key: tenantKey,
      body: { name, type: "webhook", config: { url } },
    });
    expect(response.status, url).toBe(400);
    expect(await response.json(), url).toMatchObject({ error: { code: "validation_failed", message: why } });
  }

  it("refuses targets on the machine, its link or its private networks with a 400 naming the field", async () => {
    for (const url of [
      "http://127.0.0.1:5432/",
      "http://localhost:9200/",
      "http://169.254.169.254/latest/meta-data/",
      "http://10.0.0.5:9200/",
      "http://[::1]:9200/",
      "http://0.0.0.0:9200/",
    ])
      await expectRefused("inside", url, /config\.url: the target .*private address/);
    expect((await listed(tenantKey)).map((p) => p.name)).not.toContain("inside");
  });

  it("refuses a URL with user-info, however its password is written", async () => {
    for (const url of [
      "http://user:pw@93.184.216.34/hook",
      "HTTP://user:pw@93.184.216.34/hook",
      "http://user:pa ss@93.184.216.34/hook",
      "http://user:p@ss@93.184.216.34/hook",
    ])
      await expectRefused("with-user-info", url, /must not carry credentials/);
  });

  it("shows an SDK's reported target and error without the passwords in them", async () => {
    const response = await call("/api/v1/publishers/status", {
      method: "POST",
      key: tenantKey,
      body: [
        {
          name: "sdk-es",
          type: "elasticsearch",
          target: "http://elastic:p@ss-one@es1.example:9200,ops:pass-two@es2.example:9200",
          state: "failing",
          last_error: "POST http://elastic:pass three@es1.example:9200/_bulk answered 401",
        },
      ],
    });
    expect(response.status).toBe(200);
    const [shown] = (await listed(tenantKey)).filter((p) => p.name === "sdk-es");
    expect(shown).toBeDefined();
    expect(JSON.stringify(shown)).not.toMatch(/ss-one|pass-two|pass three/);
    expect(shown!.target).toMatch(/es2\.example:9200$/);
    expect(shown!.last_error).toBe("POST http://es1.example:9200/_bulk answered 401");
  });

  it("keeps credentials encrypted at rest: no byte of the store holds them in clear", async () => {
    const secrets = {
      password: "at-rest-password-91c2",
      api_key: "at-rest-api-key-4f7e",
      secret: "at-rest-signing-5d0b",
    };
    const es = await call("/api/v1/publishers", {
      method: "POST",
      key: tenantKey,
      body: {
        name: "es-at-rest",
        type: "elasticsearch",
        enabled: false,
        config: {
          url: "http://93.184.216.34:9200",
          username: "elastic",
          password: secrets.password,
          api_key: secrets.api_key,
        },
      },
    });
    expect(es.status).toBe(201);
    const hook = await call("/api/v1/publishers", {
      method: "POST",
      key: tenantKey,
      body: {
        name: "hook-at-rest",
        type: "webhook",
        enabled: false,
        config: { url: "http://93.184.216.34/hook", secret: secrets.secret },
      },
    });
    expect(hook.status).toBe(201);
    expect(JSON.stringify(await listed(tenantKey))).not.toMatch(/at-rest-/);

    if (store === "postgres") {
      const { stdout } = await run("pg_dump", ["--data-only", "--table=publishers", server.env.DATABASE_URL!], {
        maxBuffer: 64 << 20,
      });
      expect(stdout).toContain("es-at-rest");
      expect(stdout).toContain("hook-at-rest");
      for (const secret of Object.values(secrets)) expect(stdout).not.toContain(secret);
    } else {
      const dir = server.env.TRACEDECK_DATA_DIR!;
      // the store's files do hold what was written (the names), so a secret written in clear would be found too
      await expect.poll(() => filesHolding(dir, "hook-at-rest").length, { timeout: 15_000 }).toBeGreaterThan(0);
      for (const secret of Object.values(secrets)) expect(filesHolding(dir, secret), secret).toEqual([]);
    }
  });

  it("lets a project's admin key edit its own publishers and no other project's", async () => {
    const mine = (await listed(tenantKey)).find((p) => p.name === "hook-at-rest")!;
    const edit = await call(`/api/v1/publishers/${mine.id}`, {
      method: "PATCH",
      key: tenantKey,
      body: { config: { url: "http://93.184.216.35/hook" } },
    });
    expect(edit.status).toBe(200);

    const theirs = await call("/api/v1/publishers?project=default", {
      method: "POST",
      session: true,
      body: { name: "default-hook", type: "webhook", enabled: false, config: { url: "http://93.184.216.34/default" } },
    });
    expect(theirs.status).toBe(201);
    const { id } = (await theirs.json()) as { id: string };
    // not among the key's project's publishers
    const unseen = await call(`/api/v1/publishers/${id}`, { method: "PATCH", key: tenantKey, body: { enabled: true } });
    expect(unseen.status).toBe(404);
    // and the key may not name another project
    const named = await call(`/api/v1/publishers/${id}?project=default`, {
      method: "PATCH",
      key: tenantKey,
      body: { enabled: true },
    });
    expect(named.status).toBe(403);
    expect((await listed(tenantKey)).map((p) => p.name)).not.toContain("default-hook");
  });
});
