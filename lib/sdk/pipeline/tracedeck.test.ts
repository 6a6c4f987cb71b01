import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CompositePublisher } from "./composite";
import { EventMetrics, NetworkMetrics, toEventMetrics, toNetworkMetrics } from "./metrics";
import type { MetricsPublisher, PublisherStatus } from "./publisher";
import { TracedeckPublisher } from "./tracedeck";

// A stand-in Tracedeck on loopback that answers as the native ingest endpoints do; the real
// server is exercised in e2e/http/sdk-pipeline.test.ts.

interface Received {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown[]>;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function fakeTracedeck(
  answer: (r: Received) => { status: number; body?: unknown } = (r) => ({
    status: 200,
    body: { accepted: Object.values(r.body)[0]?.length ?? 0, rejected: 0, errors: [] },
  }),
) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (c: Buffer) => (text += c.toString()));
    request.on("end", () => {
      const r = {
        path: request.url ?? "",
        authorization: request.headers.authorization,
        body: JSON.parse(text) as Record<string, unknown[]>,
      };
      received.push(r);
      const { status, body } = answer(r);
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received };
}

function event(taskId: string): EventMetrics {
  const m = new EventMetrics("resize", taskId, 1_700_000_000, 7);
  m.endTime = 1_700_000_001;
  m.status = "completed";
  return m;
}

describe("TracedeckPublisher", () => {
  it("posts events and network operations to the native pipeline endpoints with the key, in batches", async () => {
    const server = await fakeTracedeck();
    const tracedeck = new TracedeckPublisher({
      url: `${server.url}/`,
      key: "tfk_1:tfs_2",
      batchSize: 2,
      flushIntervalMs: 60_000,
      reportStatus: false,
    });
    cleanup.push(() => tracedeck.close());
    tracedeck.publishEventMetrics(event("a"));
    tracedeck.publishNetworkMetrics(new NetworkMetrics("a", "db", 5432, "query", 1_700_000_000));
    tracedeck.publishEventMetrics(event("b"));
    await tracedeck.flush();

    expect(server.received.map((r) => r.path)).toEqual([
      "/api/v1/pipeline/events",
      "/api/v1/pipeline/network",
      "/api/v1/pipeline/events",
    ]);
    expect(server.received.every((r) => r.authorization === "Bearer tfk_1:tfs_2")).toBe(true);
    expect(server.received[0]?.body.events).toEqual([
      {
        event_name: "resize",
        task_id: "a",
        start_time: 1_700_000_000,
        end_time: 1_700_000_001,
        duration_seconds: 1,
        status: "completed",
        retry_count: 0,
        process_id: 7,
        attributes: {},
      },
    ]);
    expect(server.received[1]?.body.operations).toEqual([
      {
        task_id: "a",
        host: "db",
        port: 5432,
        operation: "query",
        start_time: 1_700_000_000,
        bytes_sent: 0,
        bytes_received: 0,
      },
    ]);
    expect(tracedeck.status()).toMatchObject({
      name: "tracedeck",
      state: "healthy",
      sent_count: 3,
      failed_count: 0,
      backlog: 0,
    });
  });

  it("counts records the server rejects, and does not send them again", async () => {
    const server = await fakeTracedeck(() => ({
      status: 200,
      body: { accepted: 1, rejected: 1, errors: [{ index: 1, message: "end_time: is before start_time" }] },
    }));
    const tracedeck = new TracedeckPublisher({
      url: server.url,
      key: "k",
      flushIntervalMs: 60_000,
      reportStatus: false,
    });
    cleanup.push(() => tracedeck.close());
    tracedeck.publishEventMetrics(event("a"));
    tracedeck.publishEventMetrics(event("b"));
    await tracedeck.flush();
    await tracedeck.flush();
    expect(server.received).toHaveLength(1);
    expect(tracedeck.status()).toMatchObject({
      state: "degraded",
      sent_count: 1,
      failed_count: 1,
      last_error: "/api/v1/pipeline/events: record 1: end_time: is before start_time",
    });
  });

  it("reports failing, and drops the batch instead of resending it, when the server refuses the key", async () => {
    const server = await fakeTracedeck(() => ({
      status: 401,
      body: { error: { code: "unauthorized", message: "invalid API key" } },
    }));
    const tracedeck = new TracedeckPublisher({
      url: server.url,
      key: "k",
      flushIntervalMs: 60_000,
      reportStatus: false,
    });
    cleanup.push(() => tracedeck.close());
    tracedeck.publishEventMetrics(event("a"));
    await tracedeck.flush();
    await tracedeck.flush();
    expect(server.received).toHaveLength(1);
    expect(tracedeck.status()).toMatchObject({
      state: "failing",
      sent_count: 0,
      failed_count: 1,
      backlog: 0,
      last_error: expect.stringMatching(/answered 401/),
    });
  });

  it("holds batches while the server is unavailable, bounded, and delivers them once it is back", async () => {
    let up = false;
    const server = await fakeTracedeck((r) =>
      up
        ? { status: 200, body: { accepted: r.body.events?.length, rejected: 0 } }
        : { status: 503, body: { error: { code: "unavailable" } } },
    );
    const tracedeck = new TracedeckPublisher({
      url: server.url,
      key: "k",
      flushIntervalMs: 60_000,
      maxQueue: 3,
      reportStatus: false,
    });
    cleanup.push(() => tracedeck.close());
    for (const id of ["a", "b", "c", "d", "e"]) tracedeck.publishEventMetrics(event(id));
    await tracedeck.flush();
    expect(tracedeck.status()).toMatchObject({
      state: "failing",
      backlog: 3,
      failed_count: 0,
      dropped_count: 2,
      sent_count: 0,
    });
    expect(tracedeck.status().last_error).toMatch(/answered 503/);
    up = true;
    await tracedeck.flush();
    expect(server.received.at(-1)?.body.events?.map((e) => (e as { task_id: string }).task_id)).toEqual([
      "c",
      "d",
      "e",
    ]);
    expect(tracedeck.status()).toMatchObject({ backlog: 0, sent_count: 3, failed_count: 0, dropped_count: 2 });
  });

  it("does not retry a down server on every publish: full batches wait for the next tick", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const server = await fakeTracedeck(() => ({ status: 503 }));
    const tracedeck = new TracedeckPublisher({
      url: server.url,
      key: "k",
      batchSize: 1,
      flushIntervalMs: 60_000,
      reportStatus: false,
    });
    cleanup.push(() => tracedeck.close());
    tracedeck.publishEventMetrics(event("first"));
    await tracedeck.flush(); // the send the full batch started
    expect(tracedeck.status().state).toBe("failing");
    const requests = vi.spyOn(globalThis, "fetch");
    for (let i = 0; i < 20; i++) tracedeck.publishEventMetrics(event(`t${i}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(requests).not.toHaveBeenCalled();
    expect(server.received).toHaveLength(1);
    expect(tracedeck.status().backlog).toBe(21);
    // the tick tries again
    await vi.advanceTimersByTimeAsync(60_000);
    await tracedeck.flush();
    expect(server.received).toHaveLength(2);
  });

  it("never throws into the application when the server cannot be reached", async () => {
    const tracedeck = new TracedeckPublisher({
      url: "http://127.0.0.1:1",
      key: "k",
      flushIntervalMs: 60_000,
      reportStatus: false,
    });
    tracedeck.publishEventMetrics(event("a"));
    await tracedeck.flush();
    expect(tracedeck.status()).toMatchObject({ state: "failing", backlog: 1 });
    await tracedeck.close();
    expect(tracedeck.status()).toMatchObject({ backlog: 0, failed_count: 1 });
    // published after close: let go, and counted
    tracedeck.publishEventMetrics(event("late"));
    expect(tracedeck.status()).toMatchObject({ failed_count: 1, dropped_count: 1 });
  });

  it("reports its health to /api/v1/publishers/status on close", async () => {
    const server = await fakeTracedeck();
    const tracedeck = new TracedeckPublisher({
      url: server.url,
      key: "tfk_1:tfs_2",
      name: "pipeline-a",
      flushIntervalMs: 60_000,
    });
    tracedeck.publishEventMetrics(event("a"));
    await tracedeck.close();
    const report = server.received.find((r) => r.path === "/api/v1/publishers/status");
    expect(report?.authorization).toBe("Bearer tfk_1:tfs_2");
    expect(report?.body.publishers).toEqual([
      {
        name: "pipeline-a",
        type: "other",
        target: server.url,
        state: "healthy",
        last_success_at: expect.any(String),
        sent_count: 1,
        failed_count: 0,
        dropped_count: 0,
        backlog: 0,
      },
    ]);
  });

  it("reports its health periodically", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    // answered at once, so each report is done before the next tick (a report still in flight skips a tick)
    const requests = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response(null, { status: 200 }));
    const reports = () => requests.mock.calls.filter(([url]) => String(url).endsWith("/api/v1/publishers/status"));
    const tracedeck = new TracedeckPublisher({
      url: "http://tracedeck.invalid",
      key: "k",
      flushIntervalMs: 60_000,
      statusIntervalMs: 20,
    });
    cleanup.push(() => tracedeck.close());
    await vi.advanceTimersByTimeAsync(19);
    expect(reports()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(reports()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(reports()).toHaveLength(2);
  });
});

describe("CompositePublisher", () => {
  function fake(name: string, state: PublisherStatus["state"], fail = false) {
    const got: string[] = [];
    let closed = false;
    const publisher: MetricsPublisher = {
      name,
      publishEventMetrics: (m) => {
        if (fail) throw new Error("exploded");
        got.push(toEventMetrics(m).taskId);
      },
      publishNetworkMetrics: (m) => got.push(`net:${toNetworkMetrics(m).taskId}`),
      formatMetrics: (() => ({})) as unknown as MetricsPublisher["formatMetrics"],
      status: () => ({
        name,
        type: "other",
        state,
        sent_count: got.length,
        failed_count: 0,
        dropped_count: 0,
        backlog: 1,
      }),
      close: async () => {
        closed = true;
        if (fail) throw new Error("close failed");
      },
    };
    return { publisher, got, closed: () => closed };
  }

  it("fans out to every publisher, even when one of them throws, and closes them all", async () => {
    const first = fake("first", "healthy", true);
    const second = fake("second", "healthy");
    const composite = new CompositePublisher([first.publisher, second.publisher]);
    composite.publishEventMetrics(event("a"));
    composite.publishNetworkMetrics(new NetworkMetrics("a", "h", 1, "op", 1));
    expect(second.got).toEqual(["a", "net:a"]);
    expect(composite.status()).toMatchObject({
      name: "composite",
      type: "composite",
      state: "degraded",
      failed_count: 1,
      sent_count: 3,
      backlog: 2,
      last_error: "first: exploded",
    });
    await composite.close();
    expect(first.closed() && second.closed()).toBe(true);
  });

  it("reports the worst state of its publishers, and each of them, to Tracedeck", async () => {
    const server = await fakeTracedeck();
    const composite = new CompositePublisher([fake("ok", "healthy").publisher, fake("down", "failing").publisher], {
      statusReporting: { url: server.url, key: "k" },
    });
    expect(composite.status().state).toBe("failing");
    await composite.close();
    const names = (server.received.at(-1)?.body.publishers as PublisherStatus[]).map((p) => [p.name, p.state]);
    expect(names).toEqual([
      ["composite", "failing"],
      ["ok", "healthy"],
      ["down", "failing"],
    ]);
  });
});
