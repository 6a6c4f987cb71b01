import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db";
import { createTestProject, openTestDatabase } from "@/db/testing";
import { publishers, publisherStatus, type Database } from "@/db/testing/tables";
import type { Ctx } from "@/lib/auth/context";
import { ingestPipelineEvents } from "@/lib/ingest/native";
import { listPublishers } from "@/lib/query/publishers";
import { targetGuard } from "./egress";
import { createPublisher, updatePublisher } from "./manage";
import { PublisherRuntime } from "./runtime";
import { sealSecrets } from "./secrets";
import { signature } from "./webhook";

// Publishers' credentials at rest: what the database holds (what a dump of it would show) is sealed, and the
// publishers still send with the credentials they were given. A config saved before encryption still runs and is
// sealed when the runtime reads it; a sealed one this server cannot open fails that publisher, not the server.

let database: Database;
const runtimes: PublisherRuntime[] = [];
const servers: Server[] = [];
beforeAll(async () => {
  database = await openTestDatabase();
});
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});
afterAll(async () => {
  await database.close();
});

const FAST = { flush_interval_ms: 60_000, retry_initial_ms: 20, retry_max_ms: 40 };
const DAY = Date.UTC(2026, 2, 14, 12) / 1000;

function runtime(ctx: Ctx): PublisherRuntime {
  const r = new PublisherRuntime(database, {
    intervalMs: 60_000,
    projectIds: [ctx.projectId],
    guard: targetGuard(true),
  });
  runtimes.push(r);
  return r;
}

/** A loopback receiver keeping each request's headers and body; it answers like Elasticsearch to a bulk request. */
async function receiver() {
  const received: { url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      received.push({ url: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.writeHead(200, { "content-type": "application/json", "x-elastic-product": "Elasticsearch" });
      response.end(request.url?.includes("_bulk") ? JSON.stringify({ errors: false, took: 1, items: [] }) : "{}");
    });
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

async function rawConfig(id: string): Promise<string> {
  const [row] = await queryRows<{ config: string }>(
    database.db,
    sql`select config::text as config from publishers where id = ${id}`,
  );
  return row!.config;
}

async function statusOf(id: string) {
  const [row] = await database.db.select().from(publisherStatus).where(eq(publisherStatus.publisherId, id));
  return row;
}

const events = (ids: string[]) => ({
  events: ids.map((task_id) => ({
    event_name: "resize",
    task_id,
    start_time: DAY,
    end_time: DAY + 0.5,
    status: "completed",
  })),
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("publisher credentials", () => {
  it("are stored encrypted, each kind of them, and the publishers send with them", async () => {
    const ctx = await createTestProject(database);
    const target = await receiver();
    const secrets = {
      esPassword: "es-password-PLAIN-1",
      esApiKey: "es-api-key-PLAIN-2",
      webhook: "webhook-signing-PLAIN-3",
      grafana: "grafana-api-key-PLAIN-4",
      prometheus: "prometheus-password-PLAIN-5",
      member: "member-signing-PLAIN-6",
    };
    const saved = [
      {
        name: "es-basic",
        type: "elasticsearch",
        config: { url: `${target.url}/basic`, username: "elastic", password: secrets.esPassword, ...FAST },
      },
      {
        name: "es-key",
        type: "elasticsearch",
        config: { url: `${target.url}/key`, api_key: secrets.esApiKey, ...FAST },
      },
      { name: "hook", type: "webhook", config: { url: `${target.url}/hook`, secret: secrets.webhook, ...FAST } },
      {
        name: "grafana",
        type: "grafana_cloud",
        config: { url: `${target.url}/grafana`, instance_id: "42", api_key: secrets.grafana, push_interval_ms: 60_000 },
      },
      {
        name: "prom",
        type: "prometheus",
        config: {
          url: `${target.url}/prom`,
          username: "pusher",
          password: secrets.prometheus,
          push_interval_ms: 60_000,
        },
      },
      {
        name: "both",
        type: "composite",
        config: {
          publishers: [
            { name: "m", type: "webhook", config: { url: `${target.url}/member`, secret: secrets.member, ...FAST } },
          ],
        },
      },
    ];
    const ids: string[] = [];
    for (const input of saved) ids.push((await createPublisher({ ctx, input })).id);

    // the rows as a dump of the database shows them: no credential in the clear, one sealed value for each
    const [dump] = await queryRows<{ rows: string }>(
      database.db,
      sql`select string_agg(p::text, '\n') as rows from publishers p where p.project_id = ${ctx.projectId}`,
    );
    for (const secret of Object.values(secrets)) expect(dump!.rows).not.toContain(secret);
    expect(dump!.rows.match(/enc:v1:/g)).toHaveLength(6);
    for (const id of ids) expect(await rawConfig(id)).not.toMatch(/PLAIN/);
    // the API answers them redacted, as before
    expect(JSON.stringify(await listPublishers({ ctx }))).not.toMatch(/PLAIN|enc:v1/);

    const r = runtime(ctx);
    await r.tick();
    await ingestPipelineEvents({ ctx, input: events(["s1"]) });
    await r.flush();
    const at = (path: string) => target.received.find((q) => q.url.startsWith(path));
    expect(at("/basic/_bulk")?.headers.authorization).toBe(basic("elastic", secrets.esPassword));
    expect(at("/key/_bulk")?.headers.authorization).toBe(`ApiKey ${secrets.esApiKey}`);
    const hook = at("/hook")!;
    expect(hook.headers["x-tracedeck-signature"]).toBe(
      signature(secrets.webhook, String(hook.headers["x-tracedeck-timestamp"]), hook.body),
    );
    const member = at("/member")!;
    expect(member.headers["x-tracedeck-signature"]).toBe(
      signature(secrets.member, String(member.headers["x-tracedeck-timestamp"]), member.body),
    );
    expect(at("/grafana")?.headers.authorization).toBe(basic("42", secrets.grafana));
    expect(at("/prom")?.headers.authorization).toBe(basic("pusher", secrets.prometheus));
    await r.writeStatus();
    for (const id of ids) expect((await statusOf(id))?.lastError, id).toBeNull();
  });

  it("saved before encryption still work, and are sealed when the runtime reads them", async () => {
    const ctx = await createTestProject(database);
    const target = await receiver();
    const secret = "legacy-signing-PLAIN-secret";
    const [row] = await database.db
      .insert(publishers)
      .values({
        projectId: ctx.projectId,
        name: "legacy",
        type: "webhook",
        origin: "server",
        config: { url: `${target.url}/hook`, secret, signals: ["pipeline_events"], ...FAST },
      })
      .returning({ id: publishers.id });
    expect(await rawConfig(row!.id)).toContain(secret);

    const r = runtime(ctx);
    await r.tick();
    expect(await rawConfig(row!.id)).not.toContain(secret);
    expect(await rawConfig(row!.id)).toMatch(/"secret": "enc:v1:/);
    await ingestPipelineEvents({ ctx, input: events(["l1"]) });
    await r.flush();
    const [hook] = target.received;
    expect(hook?.headers["x-tracedeck-signature"]).toBe(
      signature(secret, String(hook?.headers["x-tracedeck-timestamp"]), hook!.body),
    );
  });

  it("that do not decrypt (another key, or copied from another publisher) fail their publisher with a clear error", async () => {
    const ctx = await createTestProject(database);
    const target = await receiver();
    const hook = (name: string) =>
      createPublisher({
        ctx,
        input: {
          name,
          type: "webhook",
          config: { url: `${target.url}/${name}`, secret: `${name}-signing-secret`, ...FAST },
        },
      });
    const a = await hook("a");
    const b = await hook("b");
    const c = await hook("c");
    // b gets a's sealed secret, c one sealed under a key this server does not have
    const [aRow] = await database.db.select().from(publishers).where(eq(publishers.id, a.id));
    const [bRow] = await database.db.select().from(publishers).where(eq(publishers.id, b.id));
    await database.db
      .update(publishers)
      .set({ config: { ...bRow!.config, secret: aRow!.config.secret } })
      .where(eq(publishers.id, b.id));
    const otherKey = { key: randomBytes(32), source: "another server's key" };
    await database.db
      .update(publishers)
      .set({
        config: sealSecrets(
          { ...bRow!.config, url: `${target.url}/c`, secret: "c-signing-secret" },
          { projectId: ctx.projectId, publisherId: c.id },
          otherKey,
        ),
      })
      .where(eq(publishers.id, c.id));

    const r = runtime(ctx);
    await r.tick();
    await ingestPipelineEvents({ ctx, input: events(["k1"]) });
    await r.flush();
    await r.writeStatus();
    const unreadable =
      "not started: the secret config.secret cannot be decrypted with this server's key (TRACEDECK_SECRET_KEY); " +
      "give the server the key it was saved with, or enter the secret again";
    expect(await statusOf(b.id)).toMatchObject({ state: "failing", lastError: unreadable });
    expect(await statusOf(c.id)).toMatchObject({ state: "failing", lastError: unreadable });
    // the others run on
    expect(await statusOf(a.id)).toMatchObject({ state: "healthy", sentCount: 1 });
    expect(target.received.map((q) => q.url)).toEqual(["/a"]);

    // saving it again with its secret left redacted cannot keep what does not decrypt; a new secret mends it
    await expect(
      updatePublisher({ ctx, input: { id: c.id, body: { config: { url: `${target.url}/c`, secret: "••••••" } } } }),
    ).rejects.toMatchObject({ code: "unprocessable", details: [{ path: "config.secret" }] });
    await updatePublisher({
      ctx,
      input: { id: c.id, body: { config: { url: `${target.url}/c`, secret: "a-new-signing-secret" } } },
    });
    await r.tick();
    await ingestPipelineEvents({ ctx, input: events(["k2"]) });
    await r.flush();
    expect(target.received.map((q) => q.url)).toContain("/c");
  });
});
