import { afterEach, describe, expect, it, vi } from "vitest";
import { TraceContext } from "../context";
import { TelemetryBuilder } from "./builder";
import { Protocol } from "./config";
import { Credentials } from "./credentials";
import { BuilderError, CredentialsError, NotInitializedError } from "./errors";

const KEY = ["tfk_0123456789abcdef", "tfs_secret-value_1"] as const;
const builder = () => new TelemetryBuilder().withApiKey(...KEY).withService("checkout", "2.1.0");

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("credentials", () => {
  it("accept only Tracedeck key pairs and never print the secret", () => {
    const credentials = Credentials.create(...KEY);
    expect(credentials.authorizationHeader()).toBe(`Bearer ${KEY[0]}:${KEY[1]}`);
    expect(credentials.authHeaders()).toEqual({
      Authorization: `Bearer ${KEY[0]}:${KEY[1]}`,
      "X-TelemetryFlow-Key-ID": KEY[0],
      "X-TelemetryFlow-Key-Secret": KEY[1],
    });
    expect(credentials.equals(Credentials.create(...KEY))).toBe(true);
    expect(credentials.equals(undefined)).toBe(false);
    expect(`${credentials} ${JSON.stringify(credentials)}`).not.toContain(KEY[1]);
    expect(() => Credentials.create("key_1", KEY[1])).toThrow(CredentialsError);
    expect(() => Credentials.create(KEY[0], "secret")).toThrow(CredentialsError);
  });
});

describe("the builder", () => {
  it("sets every option of the reference builder", () => {
    const client = builder()
      .withEndpoint("collector.internal:3000")
      .withInsecure()
      .withServiceNamespace("shop")
      .withEnvironment("staging")
      .withGrpc()
      .withSignals({ logs: false })
      .withExemplars(false)
      .withTimeout({ seconds: 3 })
      .withCollectorId("edge-7")
      .withCustomAttribute("team", "payments")
      .withCustomAttributes({ region: "eu-west-1" })
      .withCompression(false)
      .withRetry(true, 5, { milliseconds: 250 })
      .withBatchSettings({ timeout: { seconds: 2 }, maxSize: 100 })
      .withRateLimit(1000)
      .build();
    expect(client.config).toMatchObject({
      endpoint: "http://collector.internal:3000",
      serviceName: "checkout",
      serviceVersion: "2.1.0",
      serviceNamespace: "shop",
      environment: "staging",
      protocol: Protocol.GRPC,
      grpcFallback: false,
      grpcEndpoint: "collector.internal:4317",
      signals: { metrics: true, logs: false, traces: true },
      exemplars: false,
      timeoutMs: 3000,
      collectorId: "edge-7",
      customAttributes: { team: "payments", region: "eu-west-1" },
      compression: false,
      retry: { enabled: true, maxRetries: 5, backoffMs: 250 },
      batch: { timeoutMs: 2000, maxSize: 100 },
      rateLimit: 1000,
    });
    expect(builder().withEndpoint("collector.internal:3000").build().config.endpoint).toBe(
      "https://collector.internal:3000",
    );
    expect(builder().withMetricsOnly().build().config.signals).toEqual({ metrics: true, logs: false, traces: false });
    expect(builder().withTracesOnly().withHttp().build().config.protocol).toBe(Protocol.HTTP);
    expect(builder().withLogsOnly().withOtlp().build().config).toMatchObject({
      protocol: Protocol.OTLP,
      signals: { metrics: false, logs: true, traces: false },
    });
    expect(builder().withProtocol(Protocol.OTLP).withInsecure(false).build().config.insecure).toBe(false);
    expect(builder().mustBuild().config.serviceName).toBe("checkout");
    // the reference's default, gRPC, falling back to HTTP where @grpc/grpc-js is missing (grpc.test.ts)
    expect(builder().build().config).toMatchObject({ protocol: Protocol.GRPC, grpcFallback: true });
    expect(builder().withGrpc("http://[::1]:14317").build().config.grpcEndpoint).toBe("[::1]:14317");
    expect(builder().withGrpc("otel:4317").build().config.grpcEndpoint).toBe("otel:4317");
  });

  it("reads the reference's environment variables with withAutoConfiguration", () => {
    vi.stubEnv("TELEMETRYFLOW_API_KEY_ID", KEY[0]);
    vi.stubEnv("TELEMETRYFLOW_API_KEY_SECRET", KEY[1]);
    vi.stubEnv("TELEMETRYFLOW_ENDPOINT", "http://localhost:3999");
    vi.stubEnv("TELEMETRYFLOW_SERVICE_NAME", "billing");
    vi.stubEnv("TELEMETRYFLOW_SERVICE_VERSION", "9.9.9");
    vi.stubEnv("TELEMETRYFLOW_SERVICE_NAMESPACE", "fin");
    vi.stubEnv("TELEMETRYFLOW_ENVIRONMENT", "");
    vi.stubEnv("ENV", "qa");
    vi.stubEnv("TELEMETRYFLOW_COLLECTOR_ID", "c-1");
    const { config } = new TelemetryBuilder().withAutoConfiguration().build();
    expect(config).toMatchObject({
      endpoint: "http://localhost:3999",
      serviceName: "billing",
      serviceVersion: "9.9.9",
      serviceNamespace: "fin",
      environment: "qa",
      collectorId: "c-1",
    });
    expect(config.credentials.keyId).toBe(KEY[0]);
  });

  it("refuses what cannot work, naming the fix", () => {
    expect(() => new TelemetryBuilder().withService("x").build()).toThrow(/API key is required/);
    expect(() => new TelemetryBuilder().withApiKey("nope", KEY[1]).withService("x").build()).toThrow(BuilderError);
    expect(() => new TelemetryBuilder().withApiKey(...KEY).build()).toThrow(/service name/);
    expect(() => builder().withEndpoint("ftp://files").build()).toThrow(/http or https/);
    expect(() => builder().withSignals({ metrics: false, logs: false, traces: false }).build()).toThrow(
      /at least one signal/,
    );
    expect(() => builder().withProtocol("carrier-pigeon" as Protocol)).toThrow(BuilderError);
  });
});

describe("the client, before it reaches a server", () => {
  it("needs initialize(), gives spans the active context as parent, and counts what it could not send", async () => {
    // a port nothing listens on (fetch refuses well-known ones such as 9 before connecting)
    const net = await import("node:net");
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const closed = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const client = builder().withEndpoint(`http://127.0.0.1:${closed}`).withHttp().withRetry(false).build();
    expect(() => client.startSpan("early")).toThrow(NotInitializedError);
    await expect(client.flush()).rejects.toThrow(NotInitializedError);
    void client.initialize();
    const result = await client.span("outer", async (outerId) => {
      const outer = client.spanContext(outerId)!;
      expect(TraceContext.get()?.spanId).toBe(outerId);
      const innerId = client.startSpan("inner");
      expect(client.spanContext(innerId)!.traceId).toBe(outer.traceId);
      client.endSpan(innerId);
      return 42;
    });
    expect(result).toBe(42);
    await expect(client.span("failing", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    client.logInfo("a line");
    expect(client.getStatus()).toMatchObject({ initialized: true, queued: 4, dropped: 0, serviceName: "checkout" });
    // nothing listens there: the failure is counted, not thrown
    await client.flush();
    expect(client.getStatus()).toMatchObject({ spansSent: 0, logsSent: 0, failed: 4, queued: 0 });
    // what went wrong, not fetch's "fetch failed"
    expect(client.getStatus().lastError).toMatch(
      new RegExp(`^/api/v1/(spans|logs): connect ECONNREFUSED 127\\.0\\.0\\.1:${closed}$`),
    );
    await client.shutdown(1);
    expect(client.isInitialized()).toBe(false);
  });

  it("drops records beyond the rate limit within a second, and takes them again the next second", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(new Date("2026-11-22T10:00:00.100Z"));
      const client = builder().withEndpoint("http://127.0.0.1:9").withHttp().withRetry(false).withRateLimit(3).build();
      void client.initialize();
      for (let i = 0; i < 5; i++) client.logInfo(`line ${i}`);
      expect(client.getStatus()).toMatchObject({ queued: 3, dropped: 2 });
      vi.setSystemTime(new Date("2026-11-22T10:00:01.100Z"));
      client.logInfo("next second");
      expect(client.getStatus()).toMatchObject({ queued: 4, dropped: 2 });
      void client.shutdown({ milliseconds: 1 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("errors that say what happened", () => {
  it.each([
    [
      "a name that does not resolve",
      "http://no-such-host.invalid",
      /getaddrinfo (ENOTFOUND|EAI_AGAIN) no-such-host\.invalid/,
    ],
    ["TLS to a server that speaks plain HTTP", "https://127.0.0.1:__PORT__", /SSL|TLS|wrong version|packet length/i],
  ])("%s", async (_, endpoint, expected) => {
    const http = await import("node:http");
    const plain = http.createServer((_req, res) => res.end("{}"));
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const port = (plain.address() as { port: number }).port;
    try {
      const client = builder()
        .withEndpoint(endpoint.replace("__PORT__", String(port)))
        .withHttp()
        .withRetry(false)
        .withTracesOnly()
        .build();
      void client.initialize();
      client.endSpan(client.startSpan("lost"));
      await client.flush();
      await client.shutdown(1);
      const { lastError } = client.getStatus();
      expect(lastError).toMatch(expected);
      expect(lastError).not.toContain("fetch failed");
    } finally {
      plain.close();
    }
  });
});

describe("disposal", () => {
  it("shuts the client down at the end of an `await using` scope", async () => {
    const client = builder().withHttp().withEndpoint("http://127.0.0.1:1").build();
    void client.initialize();
    expect(client.isInitialized()).toBe(true);
    await client[Symbol.asyncDispose]();
    expect(client.isInitialized()).toBe(false);
  });
});
