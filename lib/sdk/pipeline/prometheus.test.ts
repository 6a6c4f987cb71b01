import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { EventMetrics, NetworkMetrics } from "./metrics";
import { PrometheusPublisher } from "./prometheus";

const open: PrometheusPublisher[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

/** Runs `promtool check metrics` on an exposition; undefined when promtool is not installed. */
function promtool(exposition: string): Promise<{ code: number; output: string } | undefined> {
  return new Promise((resolve) => {
    const child = execFile("promtool", ["check", "metrics"], (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") resolve(undefined);
      else resolve({ code: typeof error?.code === "number" ? error.code : 0, output: stdout + stderr });
    });
    child.stdin?.end(exposition);
  });
}

function finished(name: string, seconds: number, status: "completed" | "failed", retries: number): EventMetrics {
  const m = new EventMetrics(name, `${name}-${seconds}`, 1_700_000_000);
  m.endTime = 1_700_000_000 + seconds;
  m.status = status;
  m.retryCount = retries;
  return m;
}

describe("PrometheusPublisher", () => {
  it("serves the pipeline series on /metrics in a format promtool accepts", async () => {
    const prometheus = new PrometheusPublisher({ port: 0, addr: "127.0.0.1" });
    open.push(prometheus);
    await prometheus.ready;
    prometheus.publishEventMetrics(finished("resize", 0.3, "completed", 0));
    prometheus.publishEventMetrics(finished("resize", 12, "failed", 3));
    prometheus.publishEventMetrics(new EventMetrics("resize", "running", 1_700_000_000));
    const op = new NetworkMetrics("t", "db.local", 5432, "query", 1_700_000_000);
    op.endTime = 1_700_000_000.02;
    op.bytesSent = 100;
    op.bytesReceived = 2048;
    prometheus.publishNetworkMetrics(op);

    const response = await fetch(`http://127.0.0.1:${prometheus.port()}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain("# TYPE event_duration_seconds histogram");
    expect(text).toContain('event_duration_seconds_count{event_name="resize",status="completed"} 1');
    expect(text).toContain('event_duration_seconds_bucket{le="10",event_name="resize",status="failed"} 0');
    expect(text).toContain('event_duration_seconds_bucket{le="30",event_name="resize",status="failed"} 1');
    expect(text).toContain('event_retries_total{event_name="resize"} 3');
    expect(text).toContain('network_bytes_total{host="db.local",operation="query",direction="sent"} 100');
    expect(text).toContain('network_bytes_total{host="db.local",operation="query",direction="received"} 2048');
    expect(text).toContain('network_latency_seconds_bucket{le="0.025",host="db.local",operation="query"} 1');
    expect((await fetch(`http://127.0.0.1:${prometheus.port()}/other`)).status).toBe(404);
    expect(prometheus.status()).toMatchObject({
      type: "prometheus",
      state: "healthy",
      sent_count: 3,
      target: `127.0.0.1:${prometheus.port()}/metrics`,
    });

    const checked = await promtool(text);
    if (!checked) {
      // CI installs it (.ci/run); a developer's machine may not have it
      if (process.env.CI) throw new Error("promtool is not installed: apt-get install prometheus");
      console.warn(
        "promtool is not installed (Debian: apt-get install prometheus): the exposition was not validated by promtool",
      );
      return;
    }
    expect(checked, checked.output).toEqual({ code: 0, output: "" });
  });

  it("registers into an application's own registry", async () => {
    const registry = new Registry();
    const prometheus = new PrometheusPublisher({ port: 0, addr: "127.0.0.1", registry });
    open.push(prometheus);
    await prometheus.ready;
    prometheus.publishEventMetrics(finished("export", 1, "completed", 0));
    expect(await registry.getSingleMetricAsString("event_retries_total")).toContain(
      'event_retries_total{event_name="export"} 0',
    );
  });

  it("reports failing, and does not throw, when its port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const prometheus = new PrometheusPublisher({ port, addr: "127.0.0.1" });
      open.push(prometheus);
      await expect(prometheus.ready).rejects.toThrow(/EADDRINUSE/);
      prometheus.publishEventMetrics(finished("x", 1, "completed", 0));
      expect(prometheus.status()).toMatchObject({
        state: "failing",
        failed_count: 1,
        last_error: expect.stringMatching(/EADDRINUSE/),
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
