import { describe, expect, it } from "vitest";
import { TraceContext } from "../context";
import { TelemetryBuilder } from "./builder";
import { TelemetryClient, type TelemetryExporter } from "./client";
import { traceRouteHandler } from "./middleware";
import type { LogData, MetricData, SpanData } from "./records";

/** An exporter that keeps what it is given, to look at. */
function capturing() {
  const kept = { spans: [] as SpanData[], logs: [] as LogData[], metrics: [] as MetricData[] };
  const exporter: TelemetryExporter = {
    counts: { spans: 0, logs: 0, metrics: 0, failed: 0 },
    lastError: undefined,
    exportSpans: async (spans) => void kept.spans.push(...spans),
    exportLogs: async (logs) => void kept.logs.push(...logs),
    exportMetrics: async (metrics) => void kept.metrics.push(...metrics),
  };
  return { kept, exporter };
}

const config = (maxQueueSize?: number) => {
  const built = new TelemetryBuilder()
    .withApiKey("tfk_0123456789abcdef", "tfs_secret")
    .withService("web")
    .build().config;
  return maxQueueSize ? { ...built, maxQueueSize } : built;
};

describe("Next.js route handlers", () => {
  it("run inside a SERVER span that continues the caller's trace, with RED metrics", async () => {
    const { kept, exporter } = capturing();
    const client = new TelemetryClient(config(), exporter);
    void client.initialize();
    let inside: string | undefined;
    const GET = traceRouteHandler(
      client,
      async (request: Request) => {
        const url = new URL(request.url);
        if (url.searchParams.has("fail")) return new Response("no", { status: 503 });
        if (url.pathname === "/health") return new Response("ok");
        inside = TraceContext.get()?.traceId;
        client.recordHistogram("work.seconds", 0.2, "s");
        return Response.json({ ok: true });
      },
      { excludedPaths: ["/health"] },
    );

    const caller = TraceContext.newRoot();
    const ok = await GET(
      new Request("http://shop.test/api/cart", { headers: { traceparent: caller.toTraceparent() } }),
      {},
    );
    expect(ok.status).toBe(200);
    await GET(new Request("http://shop.test/api/cart?fail=1"), {});
    await GET(new Request("http://shop.test/health"), {});
    await expect(
      traceRouteHandler(client, () => Promise.reject(new Error("kaput")))(new Request("http://shop.test/boom"), {}),
    ).rejects.toThrow("kaput");
    await client.flush();

    expect(inside).toBe(caller.traceId);
    expect(kept.spans.map((s) => [s.name, s.kind, s.status.code])).toEqual([
      ["GET /api/cart", "server", "unset"],
      ["GET /api/cart", "server", "error"],
      ["GET /boom", "server", "error"],
    ]);
    expect(kept.spans[0]).toMatchObject({
      traceId: caller.traceId,
      parentSpanId: caller.spanId,
      attributes: { "http.response.status_code": 200 },
    });
    const requests = kept.metrics.filter((m) => m.name === "http.server.requests");
    expect(requests.reduce((n, m) => n + (m.kind === "counter" ? m.value : 0), 0)).toBe(3);
    expect(kept.metrics.filter((m) => m.name === "http.server.errors").length).toBe(2);
    // a histogram recorded inside a traced request carries the request's span as its exemplar
    const work = kept.metrics.find((m) => m.name === "work.seconds");
    expect(work?.kind === "histogram" && work.exemplar?.traceId).toBe(caller.traceId);
  });

  it("keep memory bounded while the server is unreachable: the queue stops at its limit and counts the rest", async () => {
    const client = new TelemetryClient(config(100), {
      counts: { spans: 0, logs: 0, metrics: 0, failed: 0 },
      lastError: undefined,
      exportSpans: () => new Promise(() => {}),
      exportLogs: () => new Promise(() => {}),
      exportMetrics: () => new Promise(() => {}),
    });
    void client.initialize();
    for (let i = 0; i < 10_000; i++) client.logInfo(`line ${i}`);
    const status = client.getStatus();
    expect(status.queued).toBeLessThanOrEqual(100);
    expect(status.dropped).toBeGreaterThan(9_000);
    // spans started and never ended are given up beyond 10,000, oldest first
    const first = client.startSpan("forgotten");
    for (let i = 0; i < 10_000; i++) client.startSpan("also forgotten");
    expect(client.spanContext(first)).toBeUndefined();
    expect(client.getStatus().dropped).toBe(status.dropped + 1);
    void client.shutdown({ milliseconds: 1 });
  });
});
