import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "@/db/testing/postgres";
import { startTestReplica, type TestReplica } from "@/db/testing/replica";
import { createKey, dashboardCookie, startServer, type RunningServer } from "./server";

// The production server with DATABASE_READ_URL set to a real streaming replica of its database
// (db/testing/replica.ts), probed on its own timer: what a caller sees while the replica is current, behind or
// stopped.

let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
let replica: TestReplica | undefined;
let server: RunningServer;
let key: string;

const MAX_LAG_MS = 1000;

beforeAll(async () => {
  scratch = await createScratchDatabase("tracedeck_http_replica");
  replica = await startTestReplica(scratch.url);
  server = await startServer({
    databaseUrl: scratch.url,
    env: { DATABASE_READ_URL: replica.url, TRACEDECK_REPLICA_MAX_LAG_MS: String(MAX_LAG_MS) },
  });
  key = await createKey(server.env, "ingest,read");
});

afterAll(async () => {
  await server?.stop();
  await replica?.remove();
  await scratch?.drop();
});

const get = (path: string) => fetch(`${server.url}${path}`, { headers: { "x-api-key": key } });

async function health(): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/api/v1/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function ingestSpan(service: string): Promise<void> {
  const response = await fetch(`${server.url}/api/v1/spans`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify({ spans: [{ name: "GET /", service_name: service, start_time: Date.now(), duration_ms: 5 }] }),
  });
  expect(await response.json()).toMatchObject({ accepted: 1 });
}

async function tracesOf(service: string): Promise<number> {
  const response = await get(`/api/v1/traces?service=${service}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { traces: unknown[] }).traces.length;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const replicaIs = (state: string) => async () => (await health()).body.replica === state;

describe("a server with a read replica", () => {
  it("says so in its health, and answers what ingest wrote once the replica has it", async () => {
    expect(await health()).toEqual({
      status: 200,
      body: expect.objectContaining({ status: "ok", database: "ok", driver: "postgres", replica: "ok" }),
    });
    const service = `replayed-${Date.now()}`;
    await ingestSpan(service);
    await until("the span is answered", async () => (await tracesOf(service)) === 1);
  });

  it("while replay is paused past the limit, answers new data from the primary; after it resumes, reads the replica again", async () => {
    await replica!.pauseReplay();
    const service = `lagging-${Date.now()}`;
    await ingestSpan(service);
    await until("health says lagging", replicaIs("lagging"));
    expect(await tracesOf(service)).toBe(1);
    expect((await health()).status).toBe(200);

    await replica!.resumeReplay();
    await until("health says ok", replicaIs("ok"));
    expect(await tracesOf(service)).toBe(1);
  });

  it("with the replica stopped, every query and the dashboard answer 200 from the primary; once it is back, ok", async () => {
    const service = `stopped-${Date.now()}`;
    await ingestSpan(service);
    const cookie = await dashboardCookie(server.url);
    await replica!.stop();

    for (const path of [
      `/api/v1/traces?service=${service}`,
      "/api/v1/services",
      "/api/v1/stats",
      "/api/v1/logs",
      "/api/v1/pipeline/events",
      "/metrics",
    ]) {
      const started = Date.now();
      const response = await get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(Date.now() - started).toBeLessThan(5000);
    }
    expect(await tracesOf(service)).toBe(1);
    expect((await fetch(`${server.url}/traces`, { headers: { cookie } })).status).toBe(200);
    await until("health says down", replicaIs("down"));
    expect((await health()).status).toBe(200);

    await replica!.start();
    await until("health says ok", replicaIs("ok"), 60_000);
    expect(await tracesOf(service)).toBe(1);
  });

  it("refuses to start with DATABASE_READ_URL but no DATABASE_URL, naming the setting", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tracedeck-replica-embedded-"));
    try {
      await expect(startServer({ dataDir, env: { DATABASE_READ_URL: replica!.url } })).rejects.toThrow(
        /DATABASE_READ_URL: needs DATABASE_URL/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
