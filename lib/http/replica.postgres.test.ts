import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { z } from "zod";
import { queryRows, ReadReplica, type Database } from "@/db";
import { createTestProject, openTestDatabase, uniqueName } from "@/db/testing";
import { startTestReplica, type TestReplica } from "@/db/testing/replica";
import { endpoint } from "@/lib/api/endpoint";
import { endpoints } from "@/lib/api/endpoints";
import { insertApiKey } from "@/lib/auth/keys";
import { sqlState } from "@/db/errors";
import { checkHealth } from "@/lib/query/health";
import { route } from "./route";

// Query endpoints against a real streaming replica of the test Postgres (db/testing/replica.ts): where their
// reads land, and what a caller sees while the replica is behind or stopped. The replica is probed by hand, on a
// clock the tests move, so each state is reached on purpose rather than by waiting.

let primary: Database;
let testReplica: TestReplica;
let replica: ReadReplica;
let clock = Date.now();

vi.mock("@/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/db")>()),
  getDatabase: () => Promise.resolve(primary),
  getAppDatabase: () => Promise.resolve({ database: primary, reads: primary, replica }),
}));

const MAX_LAG_MS = 1000;
/** "cannot execute … in a read-only transaction" */
const READ_ONLY_SQL_TRANSACTION = "25006";
let auth: { authorization: string };

beforeAll(async () => {
  primary = await openTestDatabase();
  testReplica = await startTestReplica(inject("postgresUrl"));
  replica = new ReadReplica({
    primary,
    url: testReplica.url,
    poolSize: 2,
    maxLagMs: MAX_LAG_MS,
    probeIntervalMs: 3_600_000, // never by itself: the tests call probe()
    now: () => clock,
  });
  const project = await createTestProject(primary);
  const key = await insertApiKey(primary.db, project.projectId, ["ingest", "read"], "replica-test");
  auth = { authorization: `Bearer ${key.keyId}:${key.secret}` };
  await testReplica.waitForReplay();
}, 180_000);

afterAll(async () => {
  await replica?.close();
  await testReplica?.remove();
  await primary?.close();
});

/** A query endpoint (GET /api/v1/stats, scope read) that says whether it ran on a server in recovery. */
const whereReadsGo = route(
  endpoint("projectStats", {
    summary: "",
    tag: "",
    scope: "read",
    response: z.object({ replica: z.boolean() }),
    serve: async ({ ctx }) => {
      const [row] = await queryRows<{ recovering: boolean }>(ctx.db, sql`select pg_is_in_recovery() as recovering`);
      return { replica: row!.recovering };
    },
  }),
);

async function readsReplica(headers = auth): Promise<boolean> {
  const response = await whereReadsGo(new Request("http://localhost/api/v1/stats", { headers }));
  expect(response.status).toBe(200);
  return ((await response.json()) as { replica: boolean }).replica;
}

async function ingestSpan(service: string): Promise<void> {
  const response = await route(endpoints.ingestSpans)(
    new Request("http://localhost/api/v1/spans", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        spans: [{ name: "GET /", service_name: service, start_time: Date.now(), duration_ms: 5 }],
      }),
    }),
  );
  expect(await response.json()).toMatchObject({ accepted: 1, rejected: 0 });
}

/** The services of the traces the search answers for `service`: [service] when its span is visible, else []. */
async function searchTraces(service: string, headers = auth): Promise<string[]> {
  const response = await route(endpoints.searchTraces)(
    new Request(`http://localhost/api/v1/traces?service=${service}`, { headers }),
  );
  expect(response.status).toBe(200);
  const { traces } = (await response.json()) as { traces: { root_service: string }[] };
  return traces.map((t) => t.root_service);
}

async function probeUntil(state: ReadReplica["state"], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await replica.probe();
    if (replica.state === state) return;
    if (Date.now() > deadline) throw new Error(`the replica stayed ${replica.state}, not ${state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a read replica", () => {
  it("is trusted only once a probe has found it current: until then queries read the primary", async () => {
    expect(replica.state).toBe("down");
    expect(await readsReplica()).toBe(false);
    await replica.probe();
    expect(replica.state).toBe("ok");
    expect(await readsReplica()).toBe(true);
    expect(await checkHealth()).toMatchObject({ status: "ok", database: "ok", replica: "ok" });
  });

  it("answers what was ingested through the API once it has replayed it", async () => {
    const service = uniqueName("replayed");
    await ingestSpan(service);
    await testReplica.waitForReplay();
    expect(await searchTraces(service)).toEqual([service]);
    expect(replica.state).toBe("ok");
  });

  it("while it is behind within the limit, queries read it; credentials are read on the primary", async () => {
    await testReplica.pauseReplay();
    // a key the replica has not seen: authentication reads the primary, so it works at once
    const project = await createTestProject(primary);
    const fresh = await insertApiKey(primary.db, project.projectId, ["read"], "made-while-paused");
    expect(await readsReplica({ authorization: `Bearer ${fresh.keyId}:${fresh.secret}` })).toBe(true);

    const service = uniqueName("unreplayed");
    await ingestSpan(service); // committed on the primary, not replayed on the replica
    await replica.probe();
    expect(replica.state).toBe("ok");
    expect(await searchTraces(service)).toEqual([]);
  });

  it("past the limit, queries read the primary and see the new data; once it catches up, the replica again", async () => {
    const service = uniqueName("lagging");
    await ingestSpan(service);
    await replica.probe(); // the replica is seen behind this position of the primary
    clock += MAX_LAG_MS + 1;
    await replica.probe(); // ... and still behind it, a limit later
    expect(replica.state).toBe("lagging");
    expect(await readsReplica()).toBe(false);
    expect(await searchTraces(service)).toEqual([service]);
    expect(await checkHealth()).toMatchObject({ status: "ok", replica: "lagging" });

    await testReplica.resumeReplay();
    await testReplica.waitForReplay();
    await replica.probe();
    expect(replica.state).toBe("ok");
    expect(await readsReplica()).toBe(true);
    expect(await searchTraces(service)).toEqual([service]);
  });

  it("when it stops, queries answer from the primary at once, and read it again once it is back", async () => {
    const service = uniqueName("stopped");
    await ingestSpan(service);
    await testReplica.waitForReplay();
    expect(replica.state).toBe("ok");

    await testReplica.stop();
    // no probe has noticed yet: the query that fails on the replica is run again on the primary
    const started = Date.now();
    expect(await searchTraces(service)).toEqual([service]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(replica.state).toBe("down");
    expect(await readsReplica()).toBe(false);
    await replica.probe();
    expect(await checkHealth()).toMatchObject({ status: "ok", database: "ok", replica: "down" });

    await testReplica.start();
    await probeUntil("ok");
    expect(await readsReplica()).toBe(true);
    expect(await searchTraces(service)).toEqual([service]);
  });

  it("pointed at the primary itself, it is current, and its connections still refuse writes", async () => {
    const same = new ReadReplica({ primary, url: inject("postgresUrl"), poolSize: 1, maxLagMs: MAX_LAG_MS });
    try {
      await same.probe();
      expect(same.state).toBe("ok");
      const refused = await same.database.db.execute(sql`create temporary table refused (x int)`).catch((e) => e);
      expect(sqlState(refused)).toBe(READ_ONLY_SQL_TRANSACTION);
    } finally {
      await same.close();
    }
  });
});
