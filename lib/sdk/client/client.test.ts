import { afterEach, describe, expect, it, vi } from "vitest";
import { OAuthProvider } from "./auth";
import { TracedeckClient } from "./client";
import { AuthenticationError, ConfigError, RetryableError, TracedeckError } from "./errors";
import { LogRecord, Metric, Span, Trace, Event } from "./models";
import type { RetryInfo } from "./retry";
import { startFakeServer, type FakeAnswer, type FakeServer, type RecordedRequest } from "./testing/fake-server";

const KEY = "tfk_abc:tfs_def";
const acceptAll = (request: RecordedRequest): FakeAnswer => {
  const body = JSON.parse(request.body) as Record<string, unknown[]>;
  const items = Object.values(body)[0] ?? [];
  return { status: 200, body: { accepted: items.length, rejected: 0, errors: [] } };
};

/**
 * The client's waits between attempts run on timers the tests fake: each wait it announces is
 * skipped by moving the clock by as much (the move starts once the wait's timer is set).
 */
const skipWait = (info: RetryInfo) => void vi.advanceTimersByTimeAsync(info.delayMs);
const fakeClock = () => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });

/** A logger that keeps what it is told. */
function capturingLogger() {
  const lines: [string, string][] = [];
  const keep = (level: string) => (message: string) => void lines.push([level, message]);
  return { lines, logger: { debug: keep("debug"), info: keep("info"), warn: keep("warn"), error: keep("error") } };
}

describe("TracedeckClient", () => {
  let server: FakeServer | undefined;
  let client: TracedeckClient | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await client?.close();
    await server?.close();
    client = server = undefined;
  });

  const connect = (options: ConstructorParameters<typeof TracedeckClient>[0] = {}) =>
    (client = new TracedeckClient({ apiKey: KEY, endpoint: server!.url, config: {}, ...options }));

  it("posts each signal to its endpoint with the key, as the wire format", async () => {
    server = await startFakeServer(acceptAll);
    connect({ compression: false });
    const trace = new Trace({ serviceName: "web", attributes: { tenant: "t1", route: "trace's" } });
    const root = trace.startSpan("GET /", { attributes: { route: "/" } });
    trace.startSpan("db", { parent: root }).finish();
    root.startChild("render").finish();
    root.finish();
    expect(await client!.sendSpans(trace)).toEqual({ accepted: 3, rejected: 0, errors: [] });
    await client!.sendEvents([new Event({ name: "deploy" })]);
    await client!.sendMetrics([new Metric({ name: "queue.depth", value: 3 })]);
    await client!.sendLogs([new LogRecord({ message: "hello" })]);
    expect(server.requests.map((r) => [r.method, r.path])).toEqual([
      ["POST", "/api/v1/spans"],
      ["POST", "/api/v1/events"],
      ["POST", "/api/v1/metrics"],
      ["POST", "/api/v1/logs"],
    ]);
    const spansRequest = server.requests[0]!;
    expect(spansRequest.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(spansRequest.headers["content-type"]).toBe("application/json");
    const sent = JSON.parse(spansRequest.body) as {
      spans: { trace_id: string; parent_span_id?: string; name: string; attributes: Record<string, unknown> }[];
    };
    expect(sent.spans.map((s) => s.trace_id)).toEqual([trace.traceId, trace.traceId, trace.traceId]);
    expect(sent.spans.map((s) => [s.name, s.parent_span_id])).toEqual([
      ["GET /", undefined],
      ["db", root.spanId],
      ["render", root.spanId],
    ]);
    // the trace's attributes on each span, under the span's own
    expect(sent.spans.map((s) => s.attributes)).toEqual([
      { tenant: "t1", route: "/" },
      { tenant: "t1", route: "trace's" },
      { tenant: "t1", route: "trace's" },
    ]);
  });

  it("gzips bodies from the threshold up, and sends small ones as they are", async () => {
    server = await startFakeServer(acceptAll);
    connect({ config: { compressionThresholdBytes: 2048 } });
    const small = [new Metric({ name: "m", value: 1 })];
    const large = Array.from(
      { length: 100 },
      (_, i) => new Metric({ name: "requests", value: i, tags: { route: "/orders/{id}" } }),
    );
    await client!.sendMetrics(small);
    await client!.sendMetrics(large);
    const [plain, zipped] = server.requests;
    expect(plain?.headers["content-encoding"]).toBeUndefined();
    expect(zipped?.headers["content-encoding"]).toBe("gzip");
    expect((JSON.parse(zipped!.body) as { metrics: unknown[] }).metrics).toHaveLength(100);
    expect(zipped!.wireBytes).toBeLessThan(zipped!.body.length / 5);
  });

  it("waits the Retry-After of a 503, tells onRetry, and then succeeds", async () => {
    fakeClock();
    let calls = 0;
    server = await startFakeServer((request) =>
      calls++ === 0
        ? {
            status: 503,
            headers: { "retry-after": "1" },
            body: { error: { code: "unavailable", message: "starting" } },
          }
        : acceptAll(request),
    );
    const retries: RetryInfo[] = [];
    const logged = capturingLogger();
    connect({
      config: { logLevel: "INFO" },
      logger: logged.logger,
      onRetry: (info) => {
        retries.push(info);
        skipWait(info);
      },
    });
    await expect(
      client!.sendEvents([{ name: "deploy", timestamp: new Date().toISOString(), attributes: {} }]),
    ).resolves.toMatchObject({ accepted: 1 });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt).toBeGreaterThanOrEqual(950);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ attempt: 1, delayMs: 1000 });
    expect(retries[0]!.error).toBeInstanceOf(RetryableError);
    // logged at INFO, which this client's logLevel lets through
    expect(logged.lines).toEqual([
      ["info", "tracedeck-sdk: retrying in 1000 ms after attempt 1: POST /api/v1/events failed with 503: starting"],
    ]);
  });

  it("gives up after maxRetries with a RetryableError", async () => {
    fakeClock();
    server = await startFakeServer(() => ({ status: 502, body: "bad gateway" }));
    connect({ maxRetries: 2, onRetry: skipWait });
    const error = await client!.sendLogs([new LogRecord({ message: "x" })]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ status: 502 });
    expect(server.requests).toHaveLength(3);
  });

  it("throws AuthenticationError for refused credentials, without retrying", async () => {
    server = await startFakeServer(() => ({
      status: 401,
      body: { error: { code: "unauthenticated", message: "invalid API key" } },
    }));
    connect();
    const error = await client!.sendSpans([new Span({ name: "x", serviceName: "web" })]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({
      status: 401,
      code: "unauthenticated",
      message: expect.stringContaining("invalid API key"),
    });
    expect(server.requests).toHaveLength(1);
  });

  it("throws TracedeckError with the server's code for a refused batch", async () => {
    server = await startFakeServer(() => ({
      status: 413,
      body: { error: { code: "payload_too_large", message: "body over 10 MB" } },
    }));
    connect();
    const error = await client!.sendMetrics([new Metric({ name: "m", value: 1 })]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TracedeckError);
    expect(error).not.toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ status: 413, code: "payload_too_large" });
  });

  it("hands back the items the server rejected, with the reason", async () => {
    server = await startFakeServer(() => ({
      status: 200,
      body: { accepted: 1, rejected: 1, errors: [{ index: 1, message: "value: expected number" }] },
    }));
    connect();
    const bad = { name: "bad", value: Number.NaN } as unknown as Metric;
    const good = new Metric({ name: "ok", value: 1 });
    const result = await client!.sendMetrics([good, bad]);
    expect(result).toEqual({
      accepted: 1,
      rejected: 1,
      errors: [{ index: 1, message: "value: expected number", item: bad }],
    });
  });

  it("sends nothing for an empty batch", async () => {
    server = await startFakeServer(acceptAll);
    connect();
    expect(await client!.sendSpans([])).toEqual({ accepted: 0, rejected: 0, errors: [] });
    expect(server.requests).toHaveLength(0);
  });

  it("times out a request that gets no answer, and retries it", async () => {
    fakeClock();
    server = await startFakeServer(() => new Promise<FakeAnswer>(() => undefined));
    connect({ timeoutMs: 50, maxRetries: 1, onRetry: skipWait });
    const error = await client!.sendEvents([new Event({ name: "slow" })]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/no answer within 50 ms/);
    expect(server.requests).toHaveLength(2);
  });

  it("stops a send when the caller aborts it", async () => {
    fakeClock();
    server = await startFakeServer(() => ({ status: 503, headers: { "retry-after": "30" } }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("request cancelled")), 50);
    // 50 ms into the 30 s the server asked for
    connect({ onRetry: () => void vi.advanceTimersByTimeAsync(50) });
    await expect(client!.sendLogs([new LogRecord({ message: "x" })], { signal: controller.signal })).rejects.toThrow(
      "request cancelled",
    );
  });

  it("gets a fresh OAuth token once when the server refuses the cached one", async () => {
    let issued = 0;
    server = await startFakeServer((request) => {
      if (request.path === "/api/oauth/token")
        return { status: 200, body: { access_token: `t${++issued}`, token_type: "Bearer", expires_in: 3600 } };
      if (request.path === "/api/oauth/revoke") return { status: 200 };
      return request.headers.authorization === "Bearer t2"
        ? acceptAll(request)
        : { status: 401, body: { error: { code: "unauthenticated", message: "token revoked" } } };
    });
    const auth = new OAuthProvider({
      clientId: "tfk_abc",
      clientSecret: "tfs_def",
      tokenUrl: `${server.url}/api/oauth/token`,
    });
    connect({ apiKey: undefined, auth });
    await expect(client!.sendEvents([new Event({ name: "e" })])).resolves.toMatchObject({ accepted: 1 });
    expect(server.requests.map((r) => r.path)).toEqual([
      "/api/oauth/token",
      "/api/v1/events",
      "/api/oauth/token",
      "/api/v1/events",
    ]);
    await client!.close();
    expect(server.requests.at(-1)?.path).toBe("/api/oauth/revoke");
  });

  it("reports health without throwing", async () => {
    server = await startFakeServer((request) =>
      request.path === "/api/v1/health"
        ? { status: 200, body: { status: "ok", version: "0.1.0", database: "ok" } }
        : { status: 404 },
    );
    connect();
    expect(await client!.health()).toEqual({ healthy: true, status: "ok", version: "0.1.0", database: "ok" });
    expect(await client!.healthCheck()).toBe(true);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    await server.close();
    const down = await client!.health();
    expect(down.healthy).toBe(false);
    // what happened (a keep-alive connection may see the close itself), not fetch's "fetch failed"
    expect(down.error).toMatch(/^(connect ECONNREFUSED 127\.0\.0\.1:\d+|other side closed)$/);
    expect(await client!.healthCheck()).toBe(false);
    server = undefined;
  });

  it("reports an unhealthy database", async () => {
    server = await startFakeServer(() => ({ status: 503, body: { status: "degraded", database: "unavailable" } }));
    connect();
    expect(await client!.healthCheck()).toBe(false);
    expect(await client!.health()).toMatchObject({
      healthy: false,
      database: "unavailable",
      error: "the server answered 503",
    });
  });

  it("needs credentials to send, and refuses to send once closed", async () => {
    server = await startFakeServer(acceptAll);
    const anonymous = new TracedeckClient({ endpoint: server.url, config: {} });
    await expect(anonymous.sendLogs([new LogRecord({ message: "x" })])).rejects.toThrow(ConfigError);
    connect();
    await client!.close();
    await expect(client!.sendLogs([new LogRecord({ message: "x" })])).rejects.toThrow(/closed/);
    // the end of an `await using` scope closes it too
    connect();
    await client![Symbol.asyncDispose]();
    await expect(client!.sendLogs([new LogRecord({ message: "x" })])).rejects.toThrow(/closed/);
  });

  it("gives events, metrics and logs without a service name the configured one", async () => {
    server = await startFakeServer(acceptAll);
    connect({ config: { serviceName: "billing" } });
    await client!.sendLogs([new LogRecord({ message: "a" }), new LogRecord({ message: "b", serviceName: "mailer" })]);
    await client!.sendEvents([{ name: "raw", timestamp: new Date().toISOString(), attributes: {} }]);
    const logs = (JSON.parse(server.requests[0]!.body) as { logs: { service_name: string }[] }).logs;
    expect(logs.map((l) => l.service_name)).toEqual(["billing", "mailer"]);
    expect(JSON.parse(server.requests[1]!.body)).toMatchObject({ events: [{ name: "raw", service_name: "billing" }] });
  });

  it("batch processors send in the background, report rejected items, and are flushed by close", async () => {
    server = await startFakeServer((request) => {
      const { logs } = JSON.parse(request.body) as { logs: { message: string }[] };
      const bad = logs.findIndex((l) => l.message === "");
      return {
        status: 200,
        body: {
          accepted: logs.length - (bad < 0 ? 0 : 1),
          rejected: bad < 0 ? 0 : 1,
          errors: bad < 0 ? [] : [{ index: bad, message: "message: must not be empty" }],
        },
      };
    });
    const logged = capturingLogger();
    connect({ config: { batchSize: 2, flushIntervalMs: 60_000 }, logger: logged.logger });
    const rejected: string[] = [];
    let answered!: () => void;
    const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
    const logs = client!.createBatchProcessor("logs", {
      onRejected: (r) => {
        rejected.push(...r.map((e) => e.message));
        answered();
      },
    });
    logs.addMany([new LogRecord({ message: "one" }), new LogRecord({ message: "" })]);
    await firstAnswer;
    expect(server.requests).toHaveLength(1);
    expect(rejected).toEqual(["message: must not be empty"]);
    logs.add(new LogRecord({ message: "three" }));
    expect(server.requests).toHaveLength(1);
    await client!.close();
    expect(server.requests).toHaveLength(2);
    expect(JSON.parse(server.requests[1]!.body)).toMatchObject({ logs: [{ message: "three" }] });
    expect(logs.add(new LogRecord({ message: "late" }))).toBe(false);
    // WARNING, the default level: the refusal and the item added too late are logged (INFO's retries would not be)
    expect(logged.lines).toEqual([
      ["warn", "tracedeck-sdk: the server refused 1 logs: message: must not be empty"],
      ["warn", "tracedeck-sdk: 1 logs dropped (shut_down)"],
    ]);
  });

  it("takes its settings from the environment by default", async () => {
    server = await startFakeServer(acceptAll);
    const saved = { ...process.env };
    Object.assign(process.env, {
      TRACEDECK_ENDPOINT: server.url,
      TRACEDECK_KEY_ID: "tfk_env",
      TRACEDECK_KEY_SECRET: "tfs_env",
    });
    try {
      client = new TracedeckClient();
    } finally {
      for (const name of ["TRACEDECK_ENDPOINT", "TRACEDECK_KEY_ID", "TRACEDECK_KEY_SECRET"])
        if (!(name in saved)) delete process.env[name];
    }
    await client.sendLogs([new LogRecord({ message: "x" })]);
    expect(server.requests[0]?.headers.authorization).toBe("Bearer tfk_env:tfs_env");
  });
});
