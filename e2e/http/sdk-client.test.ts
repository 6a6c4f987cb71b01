import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  Event,
  OAuthProvider,
  LogRecord,
  Metric,
  MetricType,
  Severity,
  SpanKind,
  SpanStatus,
  TracedeckClient,
  Trace,
} from "@/lib/sdk/client";
import { createKey, startServer, type RunningServer } from "./server";

// The SDK client against the production server: what it sends can be read back through the query API.

describe("the SDK client against a real Tracedeck", () => {
  let server: RunningServer;
  let key: string;
  let client: TracedeckClient;
  const service = `sdk-e2e-${Date.now()}`;

  beforeAll(async () => {
    server = await startServer({});
    key = await createKey(server.env, "ingest,read");
    client = new TracedeckClient({ endpoint: server.url, apiKey: key, config: {} });
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  const read = async <T>(path: string): Promise<T> => {
    const response = await fetch(server.url + path, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };

  it("reports the server healthy", async () => {
    expect(await client.healthCheck()).toBe(true);
    expect(await client.health()).toMatchObject({
      healthy: true,
      status: "ok",
      database: "ok",
      version: expect.any(String),
    });
  });

  it("sends a trace whose root and children come back from GET /api/v1/traces/{id}", async () => {
    const trace = new Trace({ serviceName: service });
    const root = trace.startSpan("POST /checkout", { kind: SpanKind.SERVER, attributes: { "http.method": "POST" } });
    const charge = trace.startSpan("charge card", {
      parent: root,
      kind: SpanKind.CLIENT,
      serviceName: `${service}-payments`,
    });
    charge.addEvent("card declined", { attempt: 1 }).setStatus(SpanStatus.ERROR, "declined");
    await new Promise((r) => setTimeout(r, 5));
    charge.finish();
    const email = trace.startSpan("send receipt", { parent: root });
    email.finish();
    root.setStatus(SpanStatus.OK).finish();

    expect(await client.sendSpans(trace)).toEqual({ accepted: 3, rejected: 0, errors: [] });
    const stored = await read<{
      trace_id: string;
      root_span: { span_id: string; name: string; kind: string } | null;
      span_count: number;
      spans: {
        span_id: string;
        parent_span_id: string | null;
        service_name: string;
        status: { code: string; message: string | null };
        events: { name: string }[];
        duration_ms: number;
      }[];
    }>(`/api/v1/traces/${trace.traceId}`);
    expect(stored.trace_id).toBe(trace.traceId);
    expect(stored.span_count).toBe(3);
    expect(stored.root_span).toMatchObject({ span_id: root.spanId, name: "POST /checkout", kind: "server" });
    const storedCharge = stored.spans.find((s) => s.span_id === charge.spanId);
    expect(storedCharge).toMatchObject({
      parent_span_id: root.spanId,
      service_name: `${service}-payments`,
      status: { code: "error", message: "declined" },
      events: [expect.objectContaining({ name: "card declined" })],
    });
    expect(storedCharge!.duration_ms).toBeCloseTo(charge.durationMs!, 0);
    expect(stored.spans.find((s) => s.span_id === email.spanId)?.parent_span_id).toBe(root.spanId);
  });

  it("sends events, metrics and logs that the query API lists", async () => {
    const deploy = `deploy-${service}`;
    const metricName = `sdk_e2e.queue_depth_${Date.now()}`;
    const traceId = new Trace({ serviceName: service }).traceId;
    expect(
      await client.sendEvents([new Event({ name: deploy, serviceName: service, attributes: { version: "1.4.2" } })]),
    ).toMatchObject({ accepted: 1 });
    expect(
      await client.sendMetrics([
        new Metric({
          name: metricName,
          value: 7,
          metricType: MetricType.GAUGE,
          unit: "1",
          tags: { queue: "emails" },
          serviceName: service,
        }),
        new Metric({ name: metricName, value: 3, tags: { queue: "sms" }, serviceName: service }),
      ]),
    ).toMatchObject({ accepted: 2, rejected: 0 });
    expect(
      await client.sendLogs([
        new LogRecord({
          message: "payment declined",
          severity: Severity.WARN,
          serviceName: service,
          traceId,
          attributes: { order: 42 },
        }),
      ]),
    ).toMatchObject({
      accepted: 1,
    });

    const events = await read<{
      events: { name: string; service_name: string; attributes: Record<string, unknown> }[];
    }>(`/api/v1/events?name=${encodeURIComponent(deploy)}`);
    expect(events.events).toEqual([
      expect.objectContaining({ name: deploy, service_name: service, attributes: { version: "1.4.2" } }),
    ]);

    const metrics = await read<{
      metrics: { name: string; type: string; unit: string | null; tag_keys: string[]; series_count: number }[];
    }>(`/api/v1/metrics?q=${encodeURIComponent(metricName)}`);
    expect(metrics.metrics).toEqual([
      expect.objectContaining({ name: metricName, type: "gauge", unit: "1", tag_keys: ["queue"], series_count: 2 }),
    ]);
    const series = await read<{ series: { tags: Record<string, string>; points: [string, number][] }[] }>(
      `/api/v1/metrics/query?name=${encodeURIComponent(metricName)}&agg=max&group_by=queue`,
    );
    const latest = Object.fromEntries(series.series.map((s) => [s.tags.queue, s.points.at(-1)?.[1]]));
    expect(latest).toEqual({ emails: 7, sms: 3 });

    const logs = await read<{
      logs: {
        body: unknown;
        severity_text: string | null;
        service_name: string;
        attributes: Record<string, unknown>;
      }[];
    }>(`/api/v1/logs?trace_id=${traceId}`);
    expect(logs.logs).toEqual([
      expect.objectContaining({
        body: "payment declined",
        severity_text: "WARN",
        service_name: service,
        attributes: { order: 42 },
      }),
    ]);
  });

  it("surfaces the items the server rejects, with their reason", async () => {
    const result = await client.sendMetrics([
      new Metric({ name: "sdk_e2e.ok", value: 1 }),
      new Metric({ name: "", value: 2 }),
    ]);
    expect(result.accepted).toBe(1);
    expect(result.rejected).toBe(1);
    expect(result.errors).toEqual([expect.objectContaining({ index: 1, message: expect.stringMatching(/name/) })]);
    expect(result.errors[0]?.item).toBeInstanceOf(Metric);
  });

  it("gzips a large batch and the server stores all of it", async () => {
    const trace = new Trace({ serviceName: service });
    const root = trace.startSpan("bulk import");
    for (let i = 0; i < 200; i++)
      trace.startSpan(`row ${i}`, { parent: root, attributes: { row: i, table: "orders" } }).finish();
    root.finish();
    expect(await client.sendSpans(trace)).toEqual({ accepted: 201, rejected: 0, errors: [] });
    expect((await read<{ span_count: number }>(`/api/v1/traces/${trace.traceId}`)).span_count).toBe(201);
  });

  it("a batch processor's items are all stored once its client closes", async () => {
    const batching = new TracedeckClient({
      endpoint: server.url,
      apiKey: key,
      config: { batchSize: 40, flushIntervalMs: 60_000, serviceName: service },
    });
    const name = `batched-${service}`;
    const events = batching.createBatchProcessor("events");
    for (let i = 0; i < 100; i++) events.add(new Event({ name, attributes: { i } }));
    await batching.close();
    expect(events.exportedCount).toBe(100);
    const stored = await read<{ events: { service_name: string }[] }>(
      `/api/v1/events?name=${encodeURIComponent(name)}&limit=500`,
    );
    expect(stored.events).toHaveLength(100);
    expect(new Set(stored.events.map((e) => e.service_name))).toEqual(new Set([service]));
  });

  it("throws AuthenticationError for a wrong key", async () => {
    const [keyId] = key.split(":") as [string];
    const wrong = new TracedeckClient({ endpoint: server.url, apiKey: `${keyId}:tfs_wrongsecret`, config: {} });
    await expect(wrong.sendEvents([new Event({ name: "never stored" })])).rejects.toBeInstanceOf(AuthenticationError);
    await expect(wrong.sendEvents([new Event({ name: "never stored" })])).rejects.toMatchObject({ status: 401 });
  });

  it("sends with an OAuth token from the server's token endpoint, and the revoked token is refused at once", async () => {
    const [clientId, clientSecret] = key.split(":") as [string, string];
    const oauth = new OAuthProvider({
      clientId,
      clientSecret,
      tokenUrl: `${server.url}/api/oauth/token`,
      revokeUrl: `${server.url}/api/oauth/revoke`,
      scopes: ["ingest"],
    });
    const viaToken = new TracedeckClient({ endpoint: server.url, auth: oauth, config: {} });
    const event = new Event({ name: `oauth-${service}`, serviceName: service });
    expect(await viaToken.sendEvents([event])).toMatchObject({ accepted: 1, rejected: 0 });
    expect(oauth.grantedScopes).toEqual(["ingest"]);
    const token = await oauth.accessToken();
    // the token carries only the scope asked for
    expect((await fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      403,
    );
    await oauth.revoke();
    expect(
      (
        await fetch(`${server.url}/api/v1/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: "[]",
        })
      ).status,
    ).toBe(401);
    const events = await read<{ events: { name: string }[] }>(`/api/v1/events?from=now-10m`);
    expect(events.events.map((e) => e.name)).toContain(`oauth-${service}`);
    await viaToken.close();
  });
});
