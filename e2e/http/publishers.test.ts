import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrometheus, type TestPrometheus } from "./prometheus";
import { createKey, startServer, type RunningServer } from "./server";

// Server-side publishers in the production server: a real Prometheus receives Tracedeck's remote
// writes (behind basic auth, as Grafana Cloud is; from a grafana_cloud and a prometheus publisher), a webhook declared in TRACEDECK_PUBLISHERS is
// down, then recovers on its own, and the publishers API shows each one's health as it goes.

const INSTANCE_ID = "123456";
const API_KEY = "grafana-test-key";
// bcrypt of API_KEY: Prometheus' web config checks basic auth against it
const API_KEY_BCRYPT = "$2b$04$5f.f9HzKNfOaJFlmGO2pmOQeoj3oVCCAPF3NSrpHEJZ7Ax9y2cLFG";
const basic = `Basic ${Buffer.from(`${INSTANCE_ID}:${API_KEY}`).toString("base64")}`;

let server: RunningServer;
let prometheus: TestPrometheus | undefined;
let prometheusUrl: string;
let hook: Server;
let hookUp = false;
const hookTaskIds: string[] = [];
let admin: string;
let ingest: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

beforeAll(async () => {
  hook = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      if (!hookUp) return void response.writeHead(503).end("maintenance");
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { records: { task_id: string }[] };
      hookTaskIds.push(...body.records.map((r) => r.task_id));
      response.writeHead(204).end();
    });
  });
  hook.listen(0, "127.0.0.1");
  await once(hook, "listening");
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;

  prometheus = await startPrometheus("global:\n  scrape_interval: 1m\n", {
    webConfig: `basic_auth_users:\n  "${INSTANCE_ID}": "${API_KEY_BCRYPT}"\n`,
    flags: ["--web.enable-remote-write-receiver"],
  });
  prometheusUrl = prometheus.url;

  server = await startServer({
    env: {
      TRACEDECK_PUBLISHER_INTERVAL_MS: "200",
      TRACEDECK_PUBLISHERS: JSON.stringify([
        {
          name: "audit-hook",
          type: "webhook",
          config: {
            url: hookUrl,
            secret: "a-signing-secret-of-some-length",
            retry_initial_ms: 200,
            retry_max_ms: 400,
            flush_interval_ms: 100,
          },
        },
      ]),
    },
  });
  admin = await createKey(server.env, "admin,read");
  ingest = await createKey(server.env, "ingest");
  await until("Prometheus", async () =>
    (await fetch(`${prometheusUrl}/-/ready`, { headers: { authorization: basic } })).ok ? true : undefined,
  );
}, 120_000);

afterAll(async () => {
  prometheus?.stop();
  await server?.stop();
  await new Promise((resolve) => (hook ? hook.close(resolve) : resolve(undefined)));
});

const api = (method: string, path: string, key: string, body?: unknown) =>
  fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

interface PublisherView {
  name: string;
  state: string | null;
  sent_count: number;
  failed_count: number;
  dropped_count: number;
  backlog: number;
  last_error: string | null;
  last_success_at: string | null;
  config: Record<string, unknown>;
}

async function publisher(name: string): Promise<PublisherView | undefined> {
  const { publishers } = (await (await api("GET", "/api/v1/publishers", admin)).json()) as {
    publishers: PublisherView[];
  };
  return publishers.find((p) => p.name === name);
}

async function ingestEvents(ids: string[]): Promise<void> {
  const now = Date.now() / 1000;
  const response = await api("POST", "/api/v1/pipeline/events", ingest, {
    events: ids.map((task_id, i) => ({
      event_name: "export",
      task_id,
      start_time: now - 10 + i,
      end_time: now - 9 + i,
      status: "completed",
      retry_count: 2,
    })),
  });
  expect(response.status).toBe(200);
}

describe("server-side publishers", () => {
  it("push the project's series to a real Prometheus with remote write and basic auth (Grafana Cloud's way)", async () => {
    await ingestEvents(["rw-1", "rw-2"]);
    const created = await api("POST", "/api/v1/publishers", admin, {
      name: "grafana",
      type: "grafana_cloud",
      config: {
        url: `${prometheusUrl}/api/v1/write`,
        instance_id: INSTANCE_ID,
        api_key: API_KEY,
        push_interval_ms: 300,
        external_labels: { env: "test" },
      },
    });
    expect(created.status).toBe(201);
    const wrongKey = await api("POST", "/api/v1/publishers", admin, {
      name: "grafana-wrong-key",
      type: "grafana_cloud",
      config: {
        url: `${prometheusUrl}/api/v1/write`,
        instance_id: INSTANCE_ID,
        api_key: "not-the-key",
        push_interval_ms: 300,
      },
    });
    expect(wrongKey.status).toBe(201);
    // the plain Prometheus kind: any remote-write receiver, here with a web user
    const plain = await api("POST", "/api/v1/publishers", admin, {
      name: "prometheus",
      type: "prometheus",
      config: {
        url: `${prometheusUrl}/api/v1/write`,
        username: INSTANCE_ID,
        password: API_KEY,
        push_interval_ms: 300,
        external_labels: { env: "plain" },
      },
    });
    expect(plain.status).toBe(201);

    const query = encodeURIComponent('event_retries_total{project="default",env="test",event_name="export"}');
    const value = await until("the remote-written series in Prometheus", async () => {
      const answer = (await (
        await fetch(`${prometheusUrl}/api/v1/query?query=${query}`, { headers: { authorization: basic } })
      ).json()) as { data: { result: { value: [number, string] }[] } };
      return answer.data.result[0]?.value[1];
    });
    expect(value).toBe("4");
    const count = encodeURIComponent(
      'event_duration_seconds_count{project="default",event_name="export",status="completed"}',
    );
    const answer = (await (
      await fetch(`${prometheusUrl}/api/v1/query?query=${count}`, { headers: { authorization: basic } })
    ).json()) as { data: { result: { value: [number, string] }[] } };
    expect(answer.data.result[0]?.value[1]).toBe("2");
    const plainQuery = encodeURIComponent('event_retries_total{project="default",env="plain",event_name="export"}');
    const plainValue = await until("the plain publisher's series", async () => {
      const result = (await (
        await fetch(`${prometheusUrl}/api/v1/query?query=${plainQuery}`, { headers: { authorization: basic } })
      ).json()) as { data: { result: { value: [number, string] }[] } };
      return result.data.result[0]?.value[1];
    });
    expect(plainValue).toBe("4");

    const grafana = await until("a healthy status", async () => {
      const p = await publisher("grafana");
      return p?.state === "healthy" && p.sent_count > 0 ? p : undefined;
    });
    expect(grafana.last_success_at).not.toBeNull();
    expect(grafana.config.api_key).toBe("••••••");
    const refused = await until("a failing status", async () => {
      const p = await publisher("grafana-wrong-key");
      return p?.state === "failing" ? p : undefined;
    });
    expect(refused.last_error).toMatch(/remote write answered 401/);
    expect(refused.sent_count).toBe(0);
  });

  it("shows a webhook from TRACEDECK_PUBLISHERS failing while it is down, then recovering on its own with every record delivered", async () => {
    await ingestEvents(["wh-1", "wh-2", "wh-3"]);
    // it forwards every pipeline event of the project: these and the two the first test sent
    const ids = ["rw-1", "rw-2", "wh-1", "wh-2", "wh-3"];
    const failing = await until("the webhook failing", async () => {
      const p = await publisher("audit-hook");
      return p?.state === "failing" && p.backlog === ids.length ? p : undefined;
    });
    // the target's own words (its response body) are not shown to readers
    expect(failing.last_error).toBe("webhook answered 503");
    expect(failing.config.secret).toBe("••••••");

    hookUp = true;
    const healthy = await until("the webhook healthy again", async () => {
      const p = await publisher("audit-hook");
      return p?.state === "healthy" && p.backlog === 0 ? p : undefined;
    });
    expect(healthy).toMatchObject({ sent_count: ids.length, failed_count: 0, dropped_count: 0 });
    expect(hookTaskIds.sort()).toEqual(ids);
    // and its sends are on the chart's series
    const series = (await (await api("GET", "/api/v1/publishers/series?from=now-1h", admin)).json()) as {
      publishers: { points: { sent: number }[] }[];
    };
    expect(series.publishers.flatMap((p) => p.points).reduce((n, p) => n + p.sent, 0)).toBeGreaterThanOrEqual(
      ids.length,
    );
  });

  it("refuses a config that would not work with a 400 and the error envelope", async () => {
    const response = await api("POST", "/api/v1/publishers", admin, {
      name: "bad",
      type: "elasticsearch",
      config: { url: "not a url" },
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("validation_failed");
    expect(error.message).toMatch(/url/);
    const notJson = await fetch(`${server.url}/api/v1/publishers`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: "{",
    });
    expect(notJson.status).toBe(400);
    expect(await publisher("bad")).toBeUndefined();
  });
});
