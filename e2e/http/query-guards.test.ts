import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "@/db/testing/postgres";
import { createKey, startServer, type RunningServer } from "./server";

// Heavy reads on a Postgres server: they run on a pool of their own, time out, and stop when their client leaves,
// so ingest and health keep answering meanwhile. A transaction of the test's own holds a lock on `logs`, which
// makes every log search wait for as long as the test wants, like a query that takes that long.

const SLOW_TIMEOUT_MS = 1500;
const scratches: { drop: () => Promise<void> }[] = [];
const servers: RunningServer[] = [];
let sql: postgres.Sql;
let url: string;

beforeAll(async () => {
  const scratch = await createScratchDatabase("tracedeck_http_guards");
  scratches.push(scratch);
  url = scratch.url;
  sql = postgres(url, { max: 4, onnotice: () => {} });
});
afterAll(async () => {
  for (const server of servers) await server.stop();
  await sql?.end();
  for (const scratch of scratches) await scratch.drop();
});

async function serve(env: Record<string, string> = {}): Promise<{ server: RunningServer; key: string }> {
  const server = await startServer({ databaseUrl: url, env });
  servers.push(server);
  return { server, key: await createKey(server.env, "ingest,read") };
}

/** Runs `fn` while a transaction holds an exclusive lock on logs; the lock goes when fn ends. */
async function withLogsLocked<T>(fn: () => Promise<T>): Promise<T> {
  const holder = await sql.reserve();
  try {
    await holder`begin`;
    await holder`lock table logs in access exclusive mode`;
    return await fn();
  } finally {
    await holder`rollback`;
    holder.release();
  }
}

/** Backends of the server waiting for the lock on logs: the log searches in flight. */
async function waitingSearches(): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock' and query ilike '%from "logs"%'`;
  return row!.n;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const searchLogs = (server: RunningServer, key: string, signal?: AbortSignal) =>
  fetch(`${server.url}/api/v1/logs?from=now-1h`, { headers: { "x-api-key": key }, signal });

describe("query API reads on Postgres", () => {
  it("keep ingest and health answering while more searches than their pool wait", async () => {
    // the query pool (5) and the main pool (10) together would be taken by 12 waiting searches if they shared one
    const { server, key } = await serve({ TRACEDECK_QUERY_TIMEOUT_MS: "60000" });
    await withLogsLocked(async () => {
      const searches = Array.from({ length: 12 }, () => {
        const aborted = new AbortController();
        return { aborted, answer: searchLogs(server, key, aborted.signal).catch(() => undefined) };
      });
      await until("the searches to wait for the lock", async () => (await waitingSearches()) >= 5);
      const health = await fetch(`${server.url}/api/v1/health`);
      expect(health.status).toBe(200);
      const ingest = await fetch(`${server.url}/api/v1/spans`, {
        method: "POST",
        headers: { "x-api-key": key, "content-type": "application/json" },
        body: JSON.stringify([{ name: "during a heavy read", service_name: "api", start_time: Date.now() }]),
      });
      expect(await ingest.json()).toMatchObject({ accepted: 1 });
      // only the query pool waits
      expect(await waitingSearches()).toBe(5);
      for (const search of searches) search.aborted.abort();
      await Promise.all(searches.map((s) => s.answer));
    });
  });

  it("stop on the server when their client goes away", async () => {
    const { server, key } = await serve({ TRACEDECK_QUERY_TIMEOUT_MS: "60000" });
    await withLogsLocked(async () => {
      const aborted = new AbortController();
      const answer = searchLogs(server, key, aborted.signal).catch((error: Error) => error);
      await until("the search to wait for the lock", async () => (await waitingSearches()) === 1);
      aborted.abort();
      expect(await answer).toMatchObject({ name: "AbortError" });
      // the statement is cancelled long before its 60 s timeout, while the lock is still held
      await until("the search to be cancelled", async () => (await waitingSearches()) === 0, 10_000);
    });
  });

  it("time out with a 422 that names the limit", async () => {
    const { server, key } = await serve({ TRACEDECK_QUERY_TIMEOUT_MS: String(SLOW_TIMEOUT_MS) });
    await withLogsLocked(async () => {
      const started = performance.now();
      const response = await searchLogs(server, key);
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({
        error: { code: "unprocessable", message: expect.stringContaining("TRACEDECK_QUERY_TIMEOUT_MS") },
      });
      expect(performance.now() - started).toBeGreaterThanOrEqual(SLOW_TIMEOUT_MS);
    });
    // and a search that meets no lock answers as before
    expect((await searchLogs(server, key)).status).toBe(200);
  });
});
