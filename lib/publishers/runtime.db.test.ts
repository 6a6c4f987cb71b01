import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Mock from "@elastic/elasticsearch-mock";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, openTestDatabase, uniqueName } from "@/db/testing";
import { publishers, publisherStatus, type Database } from "@/db/testing/tables";
import type { Ctx } from "@/lib/auth/context";
import { ingestLogs, ingestNetworkOps, ingestPipelineEvents, ingestSpans } from "@/lib/ingest/native";
import { listPublishers } from "@/lib/query/publishers";
import { isPrivateAddress } from "./addresses";
import { targetGuard, type TargetGuard } from "./egress";
import { applyEnvPublishers } from "./env";
import { createPublisher, updatePublisher } from "./manage";
import { PublisherRuntime } from "./runtime";
import { signature } from "./webhook";

// The server's publishers against a real database and ingest writer: records committed by ingest
// reach Elasticsearch (the official client over @elastic/elasticsearch-mock) and a real HTTP
// webhook on loopback; a target that is down makes the publisher failing, and when it comes back
// everything that fitted in the queue arrives.

let database: Database;
const runtimes: PublisherRuntime[] = [];
const servers: Server[] = [];
beforeAll(async () => {
  database = await openTestDatabase();
});
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});
afterAll(async () => {
  await database.close();
});

const FAST = { flush_interval_ms: 60_000, retry_initial_ms: 20, retry_max_ms: 40 };
const DAY = Date.UTC(2026, 2, 14, 12) / 1000;

/** The runtimes' clock: it starts at the wall clock's time and moves only when a test moves it past a backoff. */
const clock = { now: Date.now() };

function runtime(ctx: Ctx, options: { elasticsearch?: Mock; guard?: TargetGuard } = {}): PublisherRuntime {
  const r = new PublisherRuntime(database, {
    intervalMs: 60_000,
    projectIds: [ctx.projectId],
    now: () => clock.now,
    ...(options.guard ? { guard: options.guard } : {}),
    ...(options.elasticsearch ? { elasticsearch: { Connection: options.elasticsearch.getConnection() } } : {}),
  });
  runtimes.push(r);
  return r;
}

const events = (ids: string[], start = DAY) => ({
  events: ids.map((task_id, i) => ({
    event_name: "resize",
    task_id,
    start_time: start + i,
    end_time: start + i + 0.5,
    status: "completed",
    retry_count: 1,
  })),
});

async function statusOf(id: string) {
  const [row] = await database.db.select().from(publisherStatus).where(eq(publisherStatus.publisherId, id));
  return row;
}

/** A loopback webhook receiver: answers `status()` to each request and keeps the bodies of the ones it accepted. */
async function receiver(status: () => number = () => 200, answer = "overloaded") {
  const received: { headers: IncomingMessage["headers"]; body: string }[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const code = status();
      if (code < 300) received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.writeHead(code, { "content-type": "text/plain" }).end(code < 300 ? "" : answer);
    });
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const taskIds = () =>
    received.flatMap((r) => (JSON.parse(r.body) as { records: { task_id: string }[] }).records.map((x) => x.task_id));
  return { url, received, taskIds };
}

type BulkLine = Record<string, unknown> & { index?: { _index: string; _id: string } };

describe("Elasticsearch publisher", () => {
  it("bulk-indexes committed pipeline events, network operations, spans and logs into daily indices under its prefix", async () => {
    const ctx = await createTestProject(database);
    const mock = new Mock();
    const bodies: BulkLine[][] = [];
    mock.add({ method: "POST", path: "/_bulk" }, (params) => {
      const lines = params.body as BulkLine[];
      bodies.push(lines);
      return {
        errors: false,
        took: 1,
        items: lines
          .filter((l) => l.index)
          .map((l) => ({ index: { _index: l.index!._index, _id: l.index!._id, status: 201 } })),
      };
    });
    const { id } = await createPublisher({
      ctx,
      input: {
        name: "search",
        type: "elasticsearch",
        config: {
          url: "http://es.internal:9200",
          index_prefix: "td",
          signals: ["pipeline_events", "network_ops", "spans", "logs"],
          api_key: "k",
          ...FAST,
        },
      },
    });
    const r = runtime(ctx, { elasticsearch: mock });
    await r.tick();

    await ingestPipelineEvents({ ctx, input: events(["t1", "t2"]) });
    await ingestNetworkOps({
      ctx,
      input: {
        operations: [
          {
            task_id: "t1",
            host: "db",
            port: 5432,
            operation: "query",
            start_time: DAY + 86_400,
            end_time: DAY + 86_400.25,
            bytes_sent: 10,
            bytes_received: 20,
          },
        ],
      },
    });
    await ingestSpans({
      ctx,
      input: {
        spans: [
          {
            trace_id: "a".repeat(32),
            span_id: "b".repeat(16),
            name: "GET /",
            service_name: "web",
            start_time: DAY,
            end_time: DAY + 0.1,
          },
        ],
      },
    });
    const log = { message: "resized", severity: "info", service_name: "worker", timestamp: DAY + 1 };
    await ingestLogs({ ctx, input: { logs: [log] } });
    await ingestLogs({ ctx, input: { logs: [log] } }); // the same line again: same id, so it overwrites
    await r.flush();

    const lines = bodies.flat();
    const actions = lines.filter((l) => l.index).map((l) => l.index);
    expect(actions).toEqual(
      expect.arrayContaining([
        { _index: "td-pipeline-events-2026.03.14", _id: "pipeline_event:t1" },
        { _index: "td-pipeline-events-2026.03.14", _id: "pipeline_event:t2" },
        { _index: "td-network-ops-2026.03.15", _id: expect.stringMatching(/^network_op:t1:db:5432:query:/) },
        { _index: "td-spans-2026.03.14", _id: `span:${"a".repeat(32)}:${"b".repeat(16)}` },
        { _index: "td-logs-2026.03.14", _id: expect.stringMatching(/^log:/) },
      ]),
    );
    expect(actions).toHaveLength(6);
    const logIds = actions.filter((a) => a!._index.startsWith("td-logs")).map((a) => a!._id);
    expect(logIds[0]).toBe(logIds[1]);
    const logDoc = lines[lines.findIndex((l) => l.index?._index.startsWith("td-logs")) + 1];
    expect(logDoc).toMatchObject({
      signal: "logs",
      body: "resized",
      severity_text: expect.stringMatching(/info/i),
      service_name: "worker",
    });
    const t1 = lines[lines.findIndex((l) => l.index?._id === "pipeline_event:t1") + 1];
    expect(t1).toMatchObject({
      "@timestamp": "2026-03-14T12:00:00.000Z",
      signal: "pipeline_events",
      project: ctx.slug,
      event_name: "resize",
      status: "completed",
      duration_seconds: 0.5,
      retry_count: 1,
    });
    const op = lines[lines.findIndex((l) => String(l.index?._id).startsWith("network_op")) + 1];
    expect(op).toMatchObject({ host: "db", port: 5432, latency_seconds: 0.25, bytes_sent: 10, bytes_received: 20 });

    await r.writeStatus();
    expect(await statusOf(id)).toMatchObject({
      state: "healthy",
      sentCount: 6,
      failedCount: 0,
      droppedCount: 0,
      backlog: 0,
    });
  });

  it("counts documents Elasticsearch refuses as failed and sends again the ones it was too busy for", async () => {
    const ctx = await createTestProject(database);
    const mock = new Mock();
    const attempts: string[][] = [];
    mock.add({ method: "POST", path: "/_bulk" }, (params) => {
      const lines = params.body as BulkLine[];
      const ids = lines.filter((l) => l.index).map((l) => l.index!._id);
      attempts.push(ids);
      const busy = attempts.length === 1;
      return {
        errors: true,
        took: 1,
        items: lines
          .filter((l) => l.index)
          .map(({ index }) =>
            index!._id === "pipeline_event:bad"
              ? {
                  index: {
                    _index: index!._index,
                    _id: index!._id,
                    status: 400,
                    error: { type: "mapper_parsing_exception", reason: "failed to parse field [attributes.size]" },
                  },
                }
              : index!._id === "pipeline_event:busy" && busy
                ? {
                    index: {
                      _index: index!._index,
                      _id: index!._id,
                      status: 429,
                      error: { type: "es_rejected_execution_exception", reason: "rejected execution" },
                    },
                  }
                : { index: { _index: index!._index, _id: index!._id, status: 201 } },
          ),
      };
    });
    const { id } = await createPublisher({
      ctx,
      input: { name: "search", type: "elasticsearch", config: { url: "http://es.internal:9200", ...FAST } },
    });
    const r = runtime(ctx, { elasticsearch: mock });
    await r.tick();
    await ingestPipelineEvents({ ctx, input: events(["ok", "bad", "busy"]) });
    await r.flush();
    await r.writeStatus();
    expect(await statusOf(id)).toMatchObject({ sentCount: 1, failedCount: 1, backlog: 1, state: "failing" });
    expect((await statusOf(id))?.lastError).toMatch(/answered 429 \(es_rejected_execution_exception\)/);

    clock.now += 60; // past the backoff
    await r.flush();
    expect(attempts).toEqual([
      ["pipeline_event:ok", "pipeline_event:bad", "pipeline_event:busy"],
      ["pipeline_event:busy"],
    ]);
    await r.writeStatus();
    // sent on, and degraded for a while: a document was refused
    expect(await statusOf(id)).toMatchObject({ sentCount: 2, failedCount: 1, backlog: 0, state: "degraded" });
  });
});

describe("webhook publisher", () => {
  it("POSTs committed records as signed JSON", async () => {
    const ctx = await createTestProject(database);
    const hook = await receiver();
    const secret = "a-signing-secret-of-some-length";
    await createPublisher({
      ctx,
      input: { name: "hook", type: "webhook", config: { url: hook.url, secret, ...FAST } },
    });
    const r = runtime(ctx);
    await r.tick();
    await ingestPipelineEvents({ ctx, input: events(["w1", "w2"]) });
    await r.flush();

    expect(hook.received).toHaveLength(1);
    const [request] = hook.received;
    const body = JSON.parse(request!.body) as {
      publisher: string;
      project: string;
      records: Record<string, unknown>[];
    };
    expect(body).toMatchObject({ publisher: "hook", project: ctx.slug });
    expect(body.records.map((x) => x.task_id)).toEqual(["w1", "w2"]);
    expect(body.records[0]).toMatchObject({ signal: "pipeline_events", id: "pipeline_event:w1", status: "completed" });
    const timestamp = String(request!.headers["x-tracedeck-timestamp"]);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(request!.headers["x-tracedeck-signature"]).toBe(signature(secret, timestamp, request!.body));
    expect(request!.headers["x-tracedeck-signature"]).not.toBe(
      signature("another-secret-entirely", timestamp, request!.body),
    );
  });

  it("is failing while its target is down, backs off, and when the target recovers everything queued arrives once", async () => {
    const ctx = await createTestProject(database);
    let up = false;
    let requests = 0;
    const hook = await receiver(() => (requests++, up ? 200 : 503));
    const { id } = await createPublisher({
      ctx,
      input: {
        name: "hook",
        type: "webhook",
        config: { url: hook.url, batch_size: 2, flush_interval_ms: 60_000, retry_initial_ms: 200, retry_max_ms: 200 },
      },
    });
    const r = runtime(ctx);
    await r.tick();

    const ids = Array.from({ length: 5 }, (_, i) => `down-${i}`);
    // ingest is answered while the target is down: the records are in Tracedeck's store
    await ingestPipelineEvents({ ctx, input: events(ids) });
    await r.flush();
    await r.writeStatus();
    const failing = await statusOf(id);
    expect(failing).toMatchObject({ state: "failing", sentCount: 0, backlog: 5 });
    // the status code only: the receiver's body ("overloaded") is not Tracedeck's to show
    expect(failing?.lastError).toBe("webhook answered 503");
    // the circuit is open: flushing again within the backoff sends nothing
    const before = requests;
    await r.flush();
    expect(requests).toBe(before);

    up = true;
    clock.now += 250; // past the backoff
    await r.flush();
    expect(hook.taskIds().sort()).toEqual([...ids].sort());
    await r.writeStatus();
    expect(await statusOf(id)).toMatchObject({
      state: "healthy",
      sentCount: 5,
      failedCount: 0,
      droppedCount: 0,
      backlog: 0,
    });
    expect((await listPublishers({ ctx })).publishers[0]).toMatchObject({
      name: "hook",
      state: "healthy",
      sent_count: 5,
      backlog: 0,
    });
  });

  it("drops the oldest records past its queue bound, counts them, and delivers the rest once the target is back", async () => {
    const ctx = await createTestProject(database);
    let up = false;
    const hook = await receiver(() => (up ? 200 : 502));
    const { id } = await createPublisher({
      ctx,
      input: { name: "hook", type: "webhook", config: { url: hook.url, max_queue: 4, batch_size: 10, ...FAST } },
    });
    const r = runtime(ctx);
    await r.tick();
    await ingestPipelineEvents({ ctx, input: events(["q0", "q1", "q2"]) });
    await r.flush(); // fails: the three wait
    await ingestPipelineEvents({ ctx, input: events(["q3", "q4", "q5"], DAY + 10) });
    await new Promise((resolve) => setImmediate(resolve)); // handed to the publisher on the next turn
    await r.writeStatus();
    expect(await statusOf(id)).toMatchObject({ state: "failing", droppedCount: 2, backlog: 4 });
    expect((await statusOf(id))?.lastError).toMatch(/queue full \(4 records\)/);

    up = true;
    clock.now += 60; // past the backoff
    await r.flush();
    expect(hook.taskIds()).toEqual(["q2", "q3", "q4", "q5"]);
    await r.writeStatus();
    // sending again; degraded for a while, since records were dropped, and the drops stay counted
    expect(await statusOf(id)).toMatchObject({ state: "degraded", sentCount: 4, droppedCount: 2, backlog: 0 });
  });

  it("never holds up ingest, even when the target does not answer at all", async () => {
    const ctx = await createTestProject(database);
    const hanging: ServerResponse[] = [];
    const server = createServer((_request, response) => void hanging.push(response));
    servers.push(server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    await createPublisher({
      ctx,
      input: {
        name: "slow",
        type: "webhook",
        config: {
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
          batch_size: 1,
          timeout_ms: 5000,
          ...FAST,
        },
      },
    });
    const r = runtime(ctx);
    await r.tick();
    const arrived = once(server, "request");
    await ingestPipelineEvents({ ctx, input: events(["h0"]) });
    await arrived;
    expect(hanging).toHaveLength(1);
    // while the target holds that request open, ingest goes on at its own pace
    for (let i = 1; i <= 5; i++) {
      const result = await ingestPipelineEvents({ ctx, input: events([`h${i}`]) });
      expect(result.accepted).toBe(1);
    }
    expect(hanging).toHaveLength(1);
    expect(hanging[0]!.writableEnded).toBe(false);
    for (const response of hanging) response.destroy();
  });
});

describe("metric publishers", () => {
  it("push the project's series as OTLP/HTTP JSON with basic auth when the Grafana Cloud publisher says protocol otlp", async () => {
    const ctx = await createTestProject(database);
    const gateway = await receiver();
    const { id } = await createPublisher({
      ctx,
      input: {
        name: "grafana-otlp",
        type: "grafana_cloud",
        config: {
          url: gateway.url,
          protocol: "otlp",
          instance_id: "777",
          api_key: "glc_secret",
          push_interval_ms: 60_000,
        },
      },
    });
    const r = runtime(ctx);
    await r.tick();
    await ingestPipelineEvents({ ctx, input: events(["g1", "g2"]) });
    await ingestNetworkOps({
      ctx,
      input: {
        operations: [
          {
            task_id: "g1",
            host: "api",
            port: 443,
            operation: "GET",
            start_time: DAY,
            end_time: DAY + 0.03,
            bytes_sent: 5,
            bytes_received: 7,
          },
        ],
      },
    });
    await r.flush();

    expect(gateway.received).toHaveLength(1);
    const [push] = gateway.received;
    expect(push!.headers.authorization).toBe(`Basic ${Buffer.from("777:glc_secret").toString("base64")}`);
    expect(push!.headers["content-type"]).toBe("application/json");
    type Point = {
      attributes: { key: string; value: { stringValue: string } }[];
      asDouble?: number;
      count?: string;
      bucketCounts?: string[];
      explicitBounds?: number[];
    };
    type Metric = {
      name: string;
      unit: string;
      sum?: { isMonotonic: boolean; dataPoints: Point[] };
      histogram?: { dataPoints: Point[] };
    };
    const body = JSON.parse(push!.body) as { resourceMetrics: { scopeMetrics: { metrics: Metric[] }[] }[] };
    const metrics = body.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    const byName = Object.fromEntries(metrics.map((m) => [m.name, m]));
    expect(Object.keys(byName).sort()).toEqual([
      "event_duration_seconds",
      "event_retries_total",
      "network_bytes_total",
      "network_latency_seconds",
    ]);
    const labels = (p: Point) => Object.fromEntries(p.attributes.map((a) => [a.key, a.value.stringValue]));
    const retries = byName.event_retries_total!.sum!;
    expect(retries.isMonotonic).toBe(true);
    expect(retries.dataPoints.map((p) => [labels(p), p.asDouble])).toEqual([
      [{ project: ctx.slug, event_name: "resize" }, 2],
    ]);
    const duration = byName.event_duration_seconds!.histogram!.dataPoints[0]!;
    expect(labels(duration)).toEqual({ project: ctx.slug, event_name: "resize", status: "completed" });
    expect(duration.count).toBe("2");
    // OTLP buckets count each range: both 0.5 s executions fall in (0.25, 0.5]
    expect(duration.bucketCounts![duration.explicitBounds!.indexOf(0.5)]).toBe("2");
    expect(byName.network_bytes_total!.sum!.dataPoints.map((p) => [labels(p).direction, p.asDouble])).toEqual([
      ["sent", 5],
      ["received", 7],
    ]);
    await r.writeStatus();
    expect(await statusOf(id)).toMatchObject({ state: "healthy", backlog: 0 });
  });
});

describe("composite publisher", () => {
  it("sends to each member on its own: one member down does not hold back the other", async () => {
    const ctx = await createTestProject(database);
    const good = await receiver();
    const bad = await receiver(() => 500);
    const { id } = await createPublisher({
      ctx,
      input: {
        name: "both",
        type: "composite",
        config: {
          publishers: [
            { name: "good", type: "webhook", config: { url: good.url, secret: "another-signing-secret", ...FAST } },
            { name: "bad", type: "webhook", config: { url: bad.url, ...FAST } },
          ],
        },
      },
    });
    const r = runtime(ctx);
    await r.tick();
    await ingestPipelineEvents({ ctx, input: events(["c1", "c2"]) });
    await r.flush();
    expect(good.taskIds()).toEqual(["c1", "c2"]);
    await r.writeStatus();
    const status = await statusOf(id);
    expect(status).toMatchObject({ state: "failing", sentCount: 2, backlog: 2 });
    expect(status?.lastError).toMatch(/^bad: webhook answered 500/);
    // the members' secrets are redacted in what the API shows
    const [shown] = (await listPublishers({ ctx })).publishers;
    expect(JSON.stringify(shown?.config)).not.toContain("another-signing-secret");
    expect((shown?.config.publishers as { config: { secret: string } }[])[0]?.config.secret).toBe("••••••");
  });
});

describe("configuration", () => {
  it("is checked when saved: unknown keys, missing settings and credentials in URLs are 400s", async () => {
    const ctx = await createTestProject(database);
    const refused = (type: string, config: Record<string, unknown>) =>
      createPublisher({ ctx, input: { name: uniqueName("p"), type, config } });
    await expect(refused("elasticsearch", { index_prefix: "td" })).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(/url/),
    });
    await expect(refused("elasticsearch", { url: "http://es:9200", index_prefx: "td" })).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(/index_prefx/),
    });
    await expect(refused("elasticsearch", { url: "http://es:9200", index_prefix: "Bad Prefix" })).rejects.toMatchObject(
      { code: "validation_failed" },
    );
    await expect(refused("webhook", { url: "http://user:pw@hooks.example.com/" })).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(/credentials/),
    });
    await expect(refused("webhook", { url: "ftp://hooks.example.com/" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    await expect(
      refused("grafana_cloud", { url: "https://prometheus.grafana.net/api/prom/push", instance_id: "123" }),
    ).rejects.toMatchObject({ code: "validation_failed", message: expect.stringMatching(/api_key/) });
    await expect(
      refused("composite", { publishers: [{ type: "webhook", config: { url: "nope" } }] }),
    ).rejects.toMatchObject({ code: "validation_failed", message: expect.stringMatching(/publishers\[0\]/) });
    // a valid one is stored with its defaults filled in
    const { id } = await createPublisher({
      ctx,
      input: { name: "es", type: "elasticsearch", config: { url: "http://es:9200" } },
    });
    const [row] = await database.db.select().from(publishers).where(eq(publishers.id, id));
    expect(row?.config).toMatchObject({
      url: "http://es:9200",
      index_prefix: "tracedeck",
      signals: ["pipeline_events", "network_ops"],
    });
    await expect(
      updatePublisher({ ctx, input: { id, body: { config: { url: "http://es:9200", batch_size: 0 } } } }),
    ).rejects.toMatchObject({ code: "validation_failed" });
    // credentials left empty, as the page's templates leave them, are absent rather than wrong
    const template = await createPublisher({
      ctx,
      input: {
        name: "from-template",
        type: "elasticsearch",
        config: { url: "http://es:9200", api_key: "", username: "" },
      },
    });
    const [saved] = await database.db.select().from(publishers).where(eq(publishers.id, template.id));
    expect(saved?.config).not.toHaveProperty("api_key");
  });

  it("takes publishers from TRACEDECK_PUBLISHERS: created, then updated to match, with problems reported and the rest saved", async () => {
    const ctx = await createTestProject(database);
    const name = uniqueName("env-hook");
    const first = await applyEnvPublishers(
      database.db,
      JSON.stringify([
        { project: ctx.slug, name, type: "webhook", config: { url: "http://127.0.0.1:9/a" } },
        { project: ctx.slug, name: "broken", type: "webhook", config: {} },
        { project: "no-such-project", name: "x", type: "other" },
      ]),
    );
    expect(first.saved).toBe(1);
    expect(first.problems).toEqual([
      expect.stringMatching(/broken: .*url/),
      expect.stringMatching(/no project "no-such-project"/),
    ]);
    await applyEnvPublishers(
      database.db,
      JSON.stringify({
        project: ctx.slug,
        name,
        type: "webhook",
        config: { url: "http://127.0.0.1:9/b" },
        enabled: false,
      }),
    );
    const listed = (await listPublishers({ ctx })).publishers;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ name, origin: "server", enabled: false, target: "http://127.0.0.1:9/b" });
    expect((await applyEnvPublishers(database.db, "not json")).problems[0]).toMatch(/not JSON/);
  });

  it("restarts a publisher whose config changed, keeping its queue and its counts, and stops one that is disabled", async () => {
    const ctx = await createTestProject(database);
    const hook = await receiver(() => 503);
    const moved = await receiver();
    const { id } = await createPublisher({
      ctx,
      input: { name: "hook", type: "webhook", config: { url: hook.url, ...FAST } },
    });
    const r = runtime(ctx);
    await r.tick();
    await ingestPipelineEvents({ ctx, input: events(["m1", "m2"]) });
    await r.flush();
    await updatePublisher({ ctx, input: { id, body: { config: { url: moved.url, ...FAST } } } });
    await r.reload();
    await r.flush();
    expect(moved.taskIds()).toEqual(["m1", "m2"]);

    await updatePublisher({ ctx, input: { id, body: { enabled: false } } });
    await r.tick();
    expect(await statusOf(id)).toMatchObject({ state: "disabled" });
    await ingestPipelineEvents({ ctx, input: events(["m3"]) });
    await r.flush();
    expect(moved.taskIds()).toEqual(["m1", "m2"]);

    // its counts go on across restarts: enabled again, and in a new runtime (a server restart)
    await updatePublisher({ ctx, input: { id, body: { enabled: true } } });
    await r.tick();
    await ingestPipelineEvents({ ctx, input: events(["m4"]) });
    await r.flush();
    await r.writeStatus();
    expect(await statusOf(id)).toMatchObject({ state: "healthy", sentCount: 3 });
    await r.stop();
    const restarted = runtime(ctx);
    await restarted.tick();
    await ingestPipelineEvents({ ctx, input: events(["m5"]) });
    await restarted.flush();
    await restarted.writeStatus();
    expect(moved.taskIds()).toEqual(["m1", "m2", "m4", "m5"]);
    expect(await statusOf(id)).toMatchObject({ state: "healthy", sentCount: 4 });
  });
});

describe("targets at send time", () => {
  /** Production's rule (no private address) but for these loopback ports, with names resolved by the test. */
  const onlyPorts = (ports: number[], names: Record<string, string> = {}): TargetGuard => ({
    allows: (address, port) => !isPrivateAddress(address) || (address === "127.0.0.1" && ports.includes(port)),
    lookup: async (hostname) => [{ address: names[hostname] ?? "203.0.113.1", family: 4 }],
  });

  async function failingWith(ctx: Ctx, id: string, r: PublisherRuntime, ids: string[]) {
    await r.tick();
    await ingestPipelineEvents({ ctx, input: events(ids) });
    await r.flush();
    await r.writeStatus();
    const status = await statusOf(id);
    const [listed] = (await listPublishers({ ctx })).publishers.filter((p) => p.id === id);
    expect(listed?.last_error).toBe(status?.lastError);
    return status;
  }

  it("are refused when private, literally or by what a public-looking name resolves to, and nothing is sent", async () => {
    const ctx = await createTestProject(database);
    const hook = await receiver();
    const literal = await createPublisher({
      ctx,
      input: { name: "literal", type: "webhook", config: { url: hook.url, ...FAST } },
    });
    const port = new URL(hook.url).port;
    const named = await createPublisher({
      ctx,
      input: { name: "named", type: "webhook", config: { url: `http://hooks.example.com:${port}/hook`, ...FAST } },
    });
    const r = runtime(ctx, { guard: onlyPorts([], { "hooks.example.com": "127.0.0.1" }) });
    expect(await failingWith(ctx, literal.id, r, ["s1"])).toMatchObject({
      state: "failing",
      backlog: 1,
      lastError: "the target is a private address (127.0.0.1); set TRACEDECK_ALLOW_PRIVATE_TARGETS to allow it",
    });
    expect((await statusOf(named.id))?.lastError).toBe(
      "the target hooks.example.com resolves to a private address (127.0.0.1); set TRACEDECK_ALLOW_PRIVATE_TARGETS to allow it",
    );
    expect(hook.received).toHaveLength(0);
  });

  it("are refused on a redirect from an allowed target to a private one", async () => {
    const ctx = await createTestProject(database);
    const inside = await receiver();
    const insidePort = new URL(inside.url).port;
    const redirecting = createServer((request, response) => {
      request.resume();
      response.writeHead(307, { location: `http://127.0.0.1:${insidePort}/admin` }).end();
    });
    servers.push(redirecting);
    redirecting.listen(0, "127.0.0.1");
    await once(redirecting, "listening");
    const allowedPort = (redirecting.address() as AddressInfo).port;
    const { id } = await createPublisher({
      ctx,
      input: { name: "bounce", type: "webhook", config: { url: `http://127.0.0.1:${allowedPort}/hook`, ...FAST } },
    });
    const r = runtime(ctx, { guard: onlyPorts([allowedPort]) });
    expect((await failingWith(ctx, id, r, ["r1"]))?.lastError).toBe(
      "the target is a private address (127.0.0.1); set TRACEDECK_ALLOW_PRIVATE_TARGETS to allow it",
    );
    expect(inside.received).toHaveLength(0);
  });

  it("that answer with an error have their status code shown, never their body", async () => {
    const ctx = await createTestProject(database);
    const marker = `MARKER-${uniqueName("body")}`;
    const hook = await receiver(() => 500, `<html>${marker}</html>`);
    const remote = await receiver(() => 500, marker);
    const webhook = await createPublisher({
      ctx,
      input: { name: "hook", type: "webhook", config: { url: hook.url, ...FAST } },
    });
    const prometheus = await createPublisher({
      ctx,
      input: { name: "prom", type: "prometheus", config: { url: remote.url, push_interval_ms: 60_000 } },
    });
    const r = runtime(ctx, { guard: targetGuard(true) });
    expect((await failingWith(ctx, webhook.id, r, ["m1"]))?.lastError).toBe("webhook answered 500");
    expect((await statusOf(prometheus.id))?.lastError).toBe("remote write answered 500");
    const answer = JSON.stringify(await listPublishers({ ctx }));
    expect(answer).toContain("answered 500");
    expect(answer).not.toContain(marker);
  });
});
