import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrometheus, type TestPrometheus } from "./prometheus";
import { createKey, dashboardCookie, startServer, type RunningServer } from "./server";

// GET /metrics: the project's pipeline telemetry in the Prometheus text format, checked by
// promtool and scraped by a real Prometheus, with a key and, once an admin made the project
// public, without one.

let server: RunningServer;
let readKey: string;
let adminKey: string;
let adminCookie: string;
let prometheus: TestPrometheus | undefined;

beforeAll(async () => {
  server = await startServer({});
  readKey = await createKey(server.env, "read");
  adminKey = await createKey(server.env, "admin");
  adminCookie = await dashboardCookie(server.url);
  const ingestKey = await createKey(server.env, "ingest");
  const now = Date.now() / 1000;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(server.url + path, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ingestKey}` },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  };
  await post("/api/v1/pipeline/events", [
    {
      event_name: "resize",
      task_id: "m1",
      start_time: now - 10,
      end_time: now - 9.98,
      status: "completed",
      retry_count: 2,
    },
    {
      event_name: "resize",
      task_id: "m2",
      start_time: now - 8,
      end_time: now - 5,
      status: "failed",
      error: "disk",
      retry_count: 1,
    },
    { event_name: 'quote"and\\slash', task_id: "m3", start_time: now - 4, status: "pending" },
  ]);
  await post("/api/v1/pipeline/network", [
    {
      task_id: "m1",
      host: "s3.example.com",
      port: 443,
      operation: "PUT",
      start_time: now - 10,
      end_time: now - 9.96,
      bytes_sent: 2048,
      bytes_received: 100,
    },
  ]);
}, 120_000);
afterAll(async () => {
  prometheus?.stop();
  await server?.stop();
});

const scrape = (key?: string, query = "") =>
  fetch(`${server.url}/metrics${query}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

/** A signed-in admin, from the site's own pages: projects are instance-wide settings. */
const asAdmin = (method: "GET" | "POST" | "PATCH", path: string, body?: unknown) =>
  fetch(server.url + path, {
    method,
    headers: { cookie: adminCookie, origin: server.url, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function setPublicMetrics(slug: string, on: boolean): Promise<void> {
  const response = await asAdmin("PATCH", `/api/v1/projects/${slug}`, { public_metrics: on });
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ slug, public_metrics: on });
}

function promtool(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile("promtool", ["check", "metrics"], (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
    child.stdin!.end(text);
  });
}

describe("GET /metrics", () => {
  it("exposes the pipeline series and Tracedeck's ingest metrics in a format promtool accepts", async () => {
    const response = await scrape(readKey);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('event_retries_total{event_name="resize"} 3');
    expect(text).toContain('event_retries_total{event_name="quote\\"and\\\\slash"} 0');
    expect(text).toContain('event_duration_seconds_bucket{event_name="resize",status="completed",le="0.025"} 1');
    expect(text).toContain('event_duration_seconds_bucket{event_name="resize",status="failed",le="2.5"} 0');
    expect(text).toContain('event_duration_seconds_count{event_name="resize",status="failed"} 1');
    expect(text).toContain(
      'network_bytes_total{host="s3.example.com",port="443",operation="PUT",direction="sent"} 2048',
    );
    expect(text).toContain('network_latency_seconds_count{host="s3.example.com",port="443",operation="PUT"} 1');
    expect(text).toMatch(/tracedeck_ingest_records_total\{signal="pipeline_events",outcome="accepted"\} \d+/);
    expect(text).toContain("tracedeck_ingest_queue_rows 0");
    expect(await promtool(text)).toEqual({ code: 0, output: "" });
  });

  it("needs a key with the read scope", async () => {
    expect((await scrape()).status).toBe(401);
    const ingestOnly = await createKey(server.env, "ingest");
    expect((await scrape(ingestOnly)).status).toBe(403);
  });

  it("answers without credentials only for a project an admin made public, and refuses every other project alike", async () => {
    const refused = await scrape();
    expect(refused.status).toBe(401);
    const refusal = (await refused.json()) as { error: { code: string; message: string } };
    expect(refusal.error.code).toBe("unauthorized");

    const created = await asAdmin("POST", "/api/v1/projects", { slug: "private-shop", name: "Private shop" });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ slug: "private-shop", public_metrics: false });

    await setPublicMetrics("default", true);
    const { projects } = (await (await asAdmin("GET", "/api/v1/projects")).json()) as {
      projects: { slug: string; public_metrics: boolean }[];
    };
    expect(projects).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ slug: "default", public_metrics: true }),
        expect.objectContaining({ slug: "private-shop", public_metrics: false }),
      ]),
    );
    for (const query of ["", "?project=default"]) {
      const response = await scrape(undefined, query);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await response.text()).toContain('event_retries_total{event_name="resize"} 3');
    }
    // a private project and one that does not exist get the same answer
    for (const query of ["?project=private-shop", "?project=no-such-project"]) {
      const response = await scrape(undefined, query);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(refusal);
    }
    // credentials are still checked when the project is public
    expect((await scrape("tfk_000000000000000000000000:tfs_wrong")).status).toBe(401);
    expect((await scrape(await createKey(server.env, "ingest"))).status).toBe(403);
    for (const query of ["?project=Not%20A%20Slug", "?project=%00", `?project=${"x".repeat(100)}`]) {
      const response = await scrape(undefined, query);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: "validation_failed", details: [{ path: "project" }] },
      });
    }

    await setPublicMetrics("default", false);
    const again = await scrape();
    expect(again.status).toBe(401);
    expect(await again.json()).toEqual(refusal);
  });

  it("is made public by a signed-in admin only, with a body that changes something", async () => {
    for (const body of [{}, { public_metrics: "yes" }]) {
      const response = await asAdmin("PATCH", "/api/v1/projects/default", body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: "validation_failed", message: expect.any(String) },
      });
    }
    for (const key of [readKey, adminKey]) {
      const byKey = await fetch(`${server.url}/api/v1/projects/default`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ public_metrics: true }),
      });
      expect(byKey.status).toBe(403);
    }
    expect((await scrape()).status).toBe(401);
  });

  it("is scraped by a real Prometheus, with a key and, from a public project, without one", async () => {
    await setPublicMetrics("default", true);
    const target = new URL(server.url);
    const scraper = await startPrometheus(
      [
        "global:",
        "  scrape_interval: 1s",
        "scrape_configs:",
        "  - job_name: tracedeck",
        "    authorization:",
        `      credentials: "${readKey}"`,
        "    static_configs:",
        `      - targets: ["${target.host}"]`,
        "  - job_name: tracedeck-public",
        "    params:",
        "      project: [default]",
        "    static_configs:",
        `      - targets: ["${target.host}"]`,
        "",
      ].join("\n"),
    );
    prometheus = scraper;
    const retries = async (job: string) => {
      const answer = await fetch(
        `${scraper.url}/api/v1/query?query=${encodeURIComponent(`event_retries_total{job="${job}",event_name="resize"}`)}`,
      )
        .then((r) => r.json() as Promise<{ data?: { result?: { value: [number, string] }[] } }>)
        .catch(() => undefined);
      return answer?.data?.result?.[0]?.value[1];
    };
    const deadline = Date.now() + 45_000;
    let values: (string | undefined)[] = [];
    while (Date.now() < deadline && !(values.length && values.every((v) => v !== undefined))) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      values = [await retries("tracedeck"), await retries("tracedeck-public")];
    }
    expect(values).toEqual(["3", "3"]);
    const health = (await (await fetch(`${scraper.url}/api/v1/targets`)).json()) as {
      data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
    };
    expect(
      health.data.activeTargets
        .map(({ labels, health, lastError }) => ({ job: labels.job, health, lastError }))
        .sort((a, b) => a.job.localeCompare(b.job)),
    ).toEqual([
      { job: "tracedeck", health: "up", lastError: "" },
      { job: "tracedeck-public", health: "up", lastError: "" },
    ]);
  }, 60_000);
});
