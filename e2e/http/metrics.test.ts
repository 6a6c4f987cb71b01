import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, freePort, startServer, type RunningServer } from "./server";

// GET /metrics: the project's pipeline telemetry in the Prometheus text format, checked by
// promtool and scraped by a real Prometheus.

let server: RunningServer;
let readKey: string;
let prometheus: ChildProcess | undefined;

beforeAll(async () => {
  server = await startServer({});
  readKey = await createKey(server.env, "read");
  const ingestKey = await createKey(server.env, "ingest");
  const now = Date.now() / 1000;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${ingestKey}` }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
  };
  await post("/api/v1/pipeline/events", [
    { event_name: "resize", task_id: "m1", start_time: now - 10, end_time: now - 9.98, status: "completed", retry_count: 2 },
    { event_name: "resize", task_id: "m2", start_time: now - 8, end_time: now - 5, status: "failed", error: "disk", retry_count: 1 },
    { event_name: 'quote"and\\slash', task_id: "m3", start_time: now - 4, status: "pending" },
  ]);
  await post("/api/v1/pipeline/network", [{ task_id: "m1", host: "s3.example.com", port: 443, operation: "PUT", start_time: now - 10, end_time: now - 9.96, bytes_sent: 2048, bytes_received: 100 }]);
}, 120_000);
afterAll(async () => {
  prometheus?.kill();
  await server?.stop();
});

const scrape = (key?: string) => fetch(`${server.url}/metrics`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

function promtool(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile("promtool", ["check", "metrics"], (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }));
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
    expect(text).toContain('network_bytes_total{host="s3.example.com",operation="PUT",direction="sent"} 2048');
    expect(text).toContain('network_latency_seconds_count{host="s3.example.com",operation="PUT"} 1');
    expect(text).toMatch(/tracedeck_ingest_records_total\{signal="pipeline_events",outcome="accepted"\} \d+/);
    expect(text).toContain("tracedeck_ingest_queue_rows 0");
    expect(await promtool(text)).toEqual({ code: 0, output: "" });
  });

  it("needs a key with the read scope", async () => {
    expect((await scrape()).status).toBe(401);
    const ingestOnly = await createKey(server.env, "ingest");
    expect((await scrape(ingestOnly)).status).toBe(403);
  });

  it("is scraped by a real Prometheus", async () => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), "tracedeck-prometheus-"));
    const target = new URL(server.url);
    writeFileSync(
      path.join(dir, "prometheus.yml"),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tracedeck\n    authorization:\n      credentials: "${readKey}"\n    static_configs:\n      - targets: ["${target.host}"]\n`,
    );
    prometheus = spawn("prometheus", [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
    const deadline = Date.now() + 45_000;
    let value: string | undefined;
    while (Date.now() < deadline && value === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const answer = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('event_retries_total{event_name="resize"}')}`)
        .then((r) => r.json() as Promise<{ data?: { result?: { value: [number, string] }[] } }>)
        .catch(() => undefined);
      value = answer?.data?.result?.[0]?.value[1];
    }
    expect(value).toBe("3");
    const health = (await (await fetch(`http://127.0.0.1:${port}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
    expect(health.data.activeTargets[0]).toMatchObject({ health: "up", lastError: "" });
  }, 60_000);
});
