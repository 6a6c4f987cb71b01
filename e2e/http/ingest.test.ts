import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKey, storedCounts, keysCli, startServer, type RunningServer } from "./server";

// The production server (`next start`) over real HTTP, once with embedded PGlite and once with Postgres.

describe.each([
  { storage: "embedded PGlite", databaseUrl: undefined },
  { storage: "Postgres", databaseUrl: "postgres" },
])("ingest over HTTP with $storage", ({ databaseUrl }) => {
  let server: RunningServer;
  let key: string;

  beforeAll(async () => {
    server = await startServer({ databaseUrl: databaseUrl && inject("serverPostgresUrl") });
    key = await createKey(server.env, "ingest,read");
  });
  afterAll(async () => {
    await server?.stop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(server.url + path, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers },
      body: typeof body === "string" || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body),
    });

  it("reports healthy with its database", async () => {
    const response = await fetch(`${server.url}/api/v1/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", database: "ok", version: expect.any(String) });
  });

  it("stores each signal and the project's stored counts go up", async () => {
    const before = await storedCounts(server.url);
    expect(before.spans).toBeDefined();
    const [id, secret] = key.split(":") as [string, string];
    const sends: [string, unknown, Record<string, string>?][] = [
      [
        "/api/v1/spans",
        {
          spans: [
            { name: "GET /", service_name: "web", start_time: "2025-11-22T05:00:00Z", duration_ms: 5 },
            { name: "child", start_time: 1_763_787_600.001 },
          ],
        },
      ],
      [
        "/api/v1/events",
        { events: [{ name: "deploy", attributes: { version: "1.4" } }] },
        { authorization: "", "x-api-key": key },
      ],
      [
        "/api/v1/metrics",
        { metrics: [{ name: "queue.depth", value: 7 }] },
        { authorization: "", "x-telemetryflow-key-id": id, "x-telemetryflow-key-secret": secret },
      ],
      ["/api/v1/logs", [{ message: "started", severity: "INFO" }]],
      [
        "/api/v1/pipeline/events",
        { events: [{ event_name: "resize", task_id: "t-1", start_time: 1_763_787_600, status: "pending" }] },
      ],
      [
        "/api/v1/pipeline/network",
        {
          operations: [{ task_id: "t-1", host: "s3", port: 443, start_time: 1_763_787_600, end_time: 1_763_787_600.2 }],
        },
      ],
    ];
    for (const [path, body, headers] of sends) {
      const response = await post(path, body, headers);
      expect(response.status, path).toBe(200);
      expect((await response.json()).rejected, path).toBe(0);
    }
    const after = await storedCounts(server.url);
    expect(after.spans! - before.spans!).toBe(2);
    expect(after.events! - before.events!).toBe(1);
    expect(after.metric_points! - before.metric_points!).toBe(1);
    expect(after.logs! - before.logs!).toBe(1);
    expect(after.pipeline_events! - before.pipeline_events!).toBe(1);
    expect(after.network_ops! - before.network_ops!).toBe(1);
  });

  it("accepts gzip bodies and does not duplicate a retried batch", async () => {
    const before = await storedCounts(server.url);
    const batch = gzipSync(
      JSON.stringify({
        spans: [{ trace_id: "1".repeat(32), span_id: "2".repeat(16), name: "retry me", start_time: 1_763_787_600 }],
      }),
    );
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await post("/api/v1/spans", batch, { "content-encoding": "gzip" });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ accepted: 1, rejected: 0, errors: [] });
    }
    const after = await storedCounts(server.url);
    expect(after.spans! - before.spans!).toBe(1);
  });

  it("rejects invalid items by index and keeps the valid ones", async () => {
    const response = await post("/api/v1/metrics", {
      metrics: [{ name: "ok", value: 1 }, { name: "bad", value: "NaN" }, { value: 2 }],
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected).toBe(2);
    expect(body.errors.map((e: { index: number }) => e.index)).toEqual([1, 2]);
    expect(body.errors[0].message).toMatch(/value/);
  });

  it("answers bad requests with the error envelope and a 4xx, never a 500", async () => {
    const cases: [string, () => Promise<Response>, number, string][] = [
      ["not JSON", () => post("/api/v1/spans", "{not json"), 400, "invalid_json"],
      ["wrong shape", () => post("/api/v1/spans", { span: [] }), 400, "validation_failed"],
      ["empty body", () => post("/api/v1/spans", ""), 400, "invalid_json"],
      [
        "wrong content type",
        () => post("/api/v1/spans", "name=x", { "content-type": "application/x-www-form-urlencoded" }),
        415,
        "unsupported_media_type",
      ],
      [
        "unknown encoding",
        () => post("/api/v1/spans", "{}", { "content-encoding": "br" }),
        415,
        "unsupported_media_type",
      ],
      [
        "corrupt gzip",
        () => post("/api/v1/spans", "definitely not gzip", { "content-encoding": "gzip" }),
        400,
        "invalid_body",
      ],
      [
        "over 20 MiB",
        () => post("/api/v1/logs", JSON.stringify({ logs: [{ message: "x".repeat(21 * 1024 * 1024) }] })),
        413,
        "payload_too_large",
      ],
      [
        "over 20 MiB after gzip",
        () => post("/api/v1/logs", gzipSync(Buffer.alloc(64 * 1024 * 1024, 32)), { "content-encoding": "gzip" }),
        413,
        "payload_too_large",
      ],
      ["no credentials", () => post("/api/v1/spans", [], { authorization: "" }), 401, "unauthorized"],
      [
        "wrong secret",
        () => post("/api/v1/spans", [], { authorization: `Bearer ${key.split(":")[0]}:tfs_wrong` }),
        401,
        "unauthorized",
      ],
    ];
    for (const [what, send, status, code] of cases) {
      const response = await send();
      expect(response.status, what).toBe(status);
      expect(response.headers.get("content-type"), what).toMatch(/application\/json/);
      const body = await response.json();
      expect(body.error.code, what).toBe(code);
      expect(body.error.message, what).toEqual(expect.any(String));
    }
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
  });

  it("answers 403 to a key without the ingest scope, and 401 once a key is revoked", async () => {
    const readOnly = await createKey(server.env, "read");
    expect((await post("/api/v1/spans", [], { authorization: `Bearer ${readOnly}` })).status).toBe(403);

    const doomed = await createKey(server.env, "ingest");
    const send = () => post("/api/v1/events", [{ name: "e" }], { authorization: `Bearer ${doomed}` });
    expect((await send()).status).toBe(200);
    const revoke = await keysCli(server.env, ["revoke", doomed.split(":")[0]!]);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect((await send()).status).toBe(401);

    const listed = await keysCli(server.env, ["list"]);
    expect(listed.stdout).toContain(`${doomed.split(":")[0]}  default  [ingest]  revoked`);
  });
});

describe("while the database is unreachable", () => {
  let server: RunningServer;
  beforeAll(async () => {
    // nothing listens on port 1
    server = await startServer({ databaseUrl: "postgres://root@127.0.0.1:1/tracedeck" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("health answers 503 and ingest answers 503 with Retry-After", async () => {
    const health = await fetch(`${server.url}/api/v1/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "unavailable", database: "unavailable" });

    const ingest = await fetch(`${server.url}/api/v1/spans`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "tfk_x:tfs_y" },
      body: JSON.stringify({ spans: [{ name: "lost?", start_time: 1_763_787_600 }] }),
    });
    expect(ingest.status).toBe(503);
    expect(Number(ingest.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await ingest.json()).error.code).toBe("unavailable");

    const otlp = await fetch(`${server.url}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "tfk_x:tfs_y" },
      body: JSON.stringify({ resourceSpans: [] }),
    });
    expect(otlp.status).toBe(503);
    expect(Number(otlp.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await otlp.json()).toMatchObject({ code: 14, message: expect.stringMatching(/unavailable/) });
  });
});
