import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrometheus, type TestPrometheus } from "./prometheus";
import { createKey, startServerOn, STORES, type RunningServer, type Store } from "./server";

// GET /metrics scraped by a real Prometheus, every second, from a server on each store, while two
// tasks fail and one of them is retried and completes, and the failure reports are sent again:
// to Prometheus, no counter and no histogram count, bucket or sum of Tracedeck's ever goes down
// (a fall would read as a counter reset, and rate() would count the whole total again).

const servers = {} as Record<Store, { server: RunningServer; ingest: string; read: string }>;
let prometheus: TestPrometheus | undefined;

beforeAll(async () => {
  await Promise.all(
    STORES.map(async (store) => {
      const server = await startServerOn(store);
      const [ingest, read] = await Promise.all([createKey(server.env, "ingest"), createKey(server.env, "read")]);
      servers[store] = { server, ingest, read };
    }),
  );
  prometheus = await startPrometheus(
    [
      "global:",
      "  scrape_interval: 1s",
      "scrape_configs:",
      ...STORES.flatMap((store) => [
        `  - job_name: ${store}`,
        "    authorization:",
        `      credentials: "${servers[store].read}"`,
        "    static_configs:",
        `      - targets: ["${new URL(servers[store].server.url).host}"]`,
      ]),
      "",
    ].join("\n"),
  );
}, 120_000);

afterAll(async () => {
  prometheus?.stop();
  await Promise.all(STORES.map((store) => servers[store]?.server.stop()));
});

/** The value of a PromQL expression now, per job; an empty object until Prometheus answers. */
async function query(expression: string): Promise<Record<string, number>> {
  const answer = await fetch(`${prometheus!.url}/api/v1/query?query=${encodeURIComponent(expression)}`)
    .then((r) => r.json() as Promise<{ data?: { result?: { metric: { job?: string }; value: [number, string] }[] } }>)
    .catch(() => undefined);
  return Object.fromEntries((answer?.data?.result ?? []).map((r) => [r.metric.job ?? "", Number(r.value[1])]));
}

/** Waits until `expression` is `expected` (or at least `atLeast`) for both servers: Prometheus has scraped what they stored. */
async function until(expression: string, expected: number | { atLeast: number }): Promise<void> {
  const ok = (value: number | undefined) =>
    value !== undefined && (typeof expected === "number" ? value === expected : value >= expected.atLeast);
  const deadline = Date.now() + 30_000;
  let last: Record<string, number> = {};
  while (Date.now() < deadline) {
    last = await query(expression);
    if (STORES.every((store) => ok(last[store]))) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${expression} is ${JSON.stringify(last)}, not ${JSON.stringify(expected)} on both servers`);
}

async function post(path: string, body: unknown): Promise<void> {
  await Promise.all(
    STORES.map(async (store) => {
      const { server, ingest } = servers[store];
      const response = await fetch(server.url + path, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ingest}` },
        body: JSON.stringify(body),
      });
      expect(response.status, store).toBe(200);
      expect(await response.json(), store).toMatchObject({ rejected: 0 });
    }),
  );
}

describe("GET /metrics scraped by Prometheus", () => {
  it("never resets a counter while tasks fail, are retried, complete and are reported again", async () => {
    const now = Date.now() / 1000;
    const name = "transcode";
    const task = (id: string, fields: object) => ({ event_name: name, task_id: id, ...fields });
    const started = [task("a", { start_time: now - 30 }), task("b", { start_time: now - 30 })];
    const failures = [
      task("a", { start_time: now - 30, end_time: now - 29, status: "failed", error: "codec" }),
      task("b", { start_time: now - 30, end_time: now - 28, status: "failed", error: "codec" }),
    ];
    const failed = `event_duration_seconds_count{event_name="${name}",status="failed"}`;
    const completed = `event_duration_seconds_count{event_name="${name}",status="completed"}`;
    const sent = 'network_bytes_total{host="media.internal",port="9000",operation="PUT",direction="sent"}';
    const op = { task_id: "a", host: "media.internal", port: 9000, operation: "PUT", start_time: now - 10 };

    await post("/api/v1/pipeline/events", { events: started });
    await post("/api/v1/pipeline/network", { operations: [op] });
    await post("/api/v1/pipeline/events", { events: failures });
    await until(failed, 2);
    await until(sent, 0);
    // task a is retried: a new attempt starts, moves bytes, and completes; task b stays failed
    await post("/api/v1/pipeline/events", { events: [task("a", { start_time: now - 10, retry_count: 1 })] });
    await until(`event_retries_total{event_name="${name}"}`, 1);
    await post("/api/v1/pipeline/network", { operations: [{ ...op, end_time: now - 9.9, bytes_sent: 4096 }] });
    await post("/api/v1/pipeline/events", {
      events: [task("a", { start_time: now - 10, end_time: now - 8, status: "completed", retry_count: 1 })],
    });
    await until(completed, 1);
    await until(sent, 4096);
    // the first reports sent again, late (a client's retry of a batch it thought lost)
    await post("/api/v1/pipeline/events", { events: [...started, ...failures] });
    await post("/api/v1/pipeline/network", { operations: [op] });
    // a few more scrapes after all of it
    await until(`count_over_time(${completed}[5m])`, { atLeast: 4 });

    for (const family of [
      "event_duration_seconds_count",
      "event_duration_seconds_bucket",
      "event_duration_seconds_sum",
      "event_retries_total",
      "network_bytes_total",
      "network_latency_seconds_count",
      "network_latency_seconds_bucket",
      "network_latency_seconds_sum",
    ]) {
      expect(await query(`sum by (job) (resets(${family}[5m]))`), family).toEqual({ pglite: 0, postgres: 0 });
    }
    // the failure of the task that completed later is still counted, and scraped all along
    expect(await query(failed)).toEqual({ pglite: 2, postgres: 2 });
    expect(await query(`min_over_time(${failed}[5m])`)).toEqual({ pglite: 2, postgres: 2 });
    expect(await query(completed)).toEqual({ pglite: 1, postgres: 1 });
    expect(await query(`network_latency_seconds_count{host="media.internal",port="9000",operation="PUT"}`)).toEqual({
      pglite: 1,
      postgres: 1,
    });
  }, 90_000);
});
