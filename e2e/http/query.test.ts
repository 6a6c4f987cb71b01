import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Endpoint } from "@/lib/api/endpoint";
import { endpoints } from "@/lib/api/endpoints";
import { createKey, dashboardCookie, startServer, type RunningServer } from "./server";

// The query API over HTTP: every GET endpoint answers a read key, parameters are checked, and the
// OpenAPI document is valid and lists every endpoint.

let server: RunningServer;
let readKey: string;
let ingestKey: string;
let adminKey: string;
let adminCookie: string;
const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

beforeAll(async () => {
  server = await startServer({});
  readKey = await createKey(server.env, "ingest,read");
  ingestKey = await createKey(server.env, "ingest");
  adminKey = await createKey(server.env, "admin");
  adminCookie = await dashboardCookie(server.url);
  const now = Date.now() / 1000;
  const post = (path: string, body: unknown) =>
    fetch(server.url + path, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": ingestKey },
      body: JSON.stringify(body),
    });
  await post("/api/v1/spans", [
    {
      trace_id: traceId,
      span_id: "00f067aa0ba902b7",
      name: "GET /",
      service_name: "web",
      kind: "server",
      start_time: now - 5,
      duration_ms: 20,
    },
  ]);
  await post("/api/v1/pipeline/events", [
    { event_name: "job", task_id: "task/1", start_time: now - 5, end_time: now - 1, status: "failed", error: "boom" },
  ]);
});
afterAll(async () => {
  await server?.stop();
});

/** `name=k0:v&name=k1:v…`: n filters of a repeatable parameter */
const filters = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}=k${i}:v`).join("&");

const get = (path: string, key = readKey) => fetch(server.url + path, { headers: { authorization: `Bearer ${key}` } });

describe("query API over HTTP", () => {
  it("answers every GET endpoint with data for a read key (an admin key for a project's settings, a signed-in admin for the instance's)", async () => {
    const paths: Record<string, string> = {
      "/api/v1/traces/{trace_id}": `/api/v1/traces/${traceId}`,
      "/api/v1/traces/{trace_id}/outline": `/api/v1/traces/${traceId}/outline`,
      "/api/v1/traces/{trace_id}/spans/{span_id}": `/api/v1/traces/${traceId}/spans/00f067aa0ba902b7`,
      "/api/v1/services/{name}/operations": "/api/v1/services/web/operations",
      "/api/v1/pipeline/events/{task_id}": `/api/v1/pipeline/events/${encodeURIComponent("task/1")}`,
      "/api/v1/metrics/query": "/api/v1/metrics/query?name=none",
    };
    const rule = await fetch(`${server.url}/api/v1/alerts/rules`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "web errors",
        condition: { kind: "service", service: "web", measure: "error_rate", op: "above", threshold: 0.5 },
      }),
    });
    expect(rule.status).toBe(201);
    paths["/api/v1/alerts/rules/{id}"] = `/api/v1/alerts/rules/${((await rule.json()) as { id: string }).id}`;
    const gets = (Object.values(endpoints) as Endpoint[]).filter((e) => e.method === "get");
    expect(gets.length).toBeGreaterThan(15);
    for (const endpoint of gets) {
      const path = paths[endpoint.path] ?? endpoint.path;
      const response =
        endpoint.scope === "instance"
          ? await fetch(server.url + path, { headers: { cookie: adminCookie } })
          : await get(path, endpoint.scope === "admin" ? adminKey : readKey);
      expect(response.status, endpoint.path).toBe(200);
      // /metrics answers the Prometheus text format (tested in metrics.test.ts); the rest JSON
      const body = response.headers.get("content-type")?.startsWith("text/plain")
        ? await response.text()
        : await response.json();
      expect(endpoint.response.safeParse(body).success, endpoint.path).toBe(true);
    }
    const trace = await (await get(`/api/v1/traces/${traceId}`)).json();
    expect(trace.spans[0]).toMatchObject({ name: "GET /", service_name: "web", kind: "server", missing_parent: false });
    const task = await (await get(`/api/v1/pipeline/events/${encodeURIComponent("task/1")}`)).json();
    expect(task).toMatchObject({ task_id: "task/1", status: "failed", error: "boom" });
    const failed = await (await get("/api/v1/pipeline/events?status=failed")).json();
    expect(failed.events.map((e: { task_id: string }) => e.task_id)).toEqual(["task/1"]);
  });

  it("names the parameter that is wrong, and answers 403 without the read scope and 404 for unknown ids", async () => {
    const cases: [string, number, RegExp][] = [
      ["/api/v1/traces?limit=5000", 400, /limit/],
      ["/api/v1/traces?from=yesterday", 400, /from/],
      ["/api/v1/traces?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", 400, /from/],
      ["/api/v1/traces?status=maybe", 400, /status/],
      ["/api/v1/traces?attr=novalue", 400, /attr/],
      ["/api/v1/traces/xyz", 400, /trace_id/],
      ["/api/v1/logs?severity=loud", 400, /severity/],
      ["/api/v1/metrics/query", 400, /name/],
      ["/api/v1/metrics/query?name=x&step=1ms&from=0", 400, /step/],
      ["/api/v1/pipeline/events/slow?threshold_seconds=-1", 400, /threshold_seconds/],
      ["/api/v1/traces/ffffffffffffffffffffffffffffffff", 404, /no trace/],
      ["/api/v1/pipeline/events/missing", 404, /no task/],
      ["/api/v1/pipeline/events/%E0%A4%A", 400, /percent-encoding/],
      ["/api/v1/traces/%zz", 400, /percent-encoding/],
      ["/api/v1/publishers/%zz", 400, /percent-encoding/],
      // filters are capped: each one is weighed by the planner against the others
      [`/api/v1/traces?${filters("attr", 11)}`, 400, /attr: at most 10 filters, got 11/],
      [`/api/v1/logs?${filters("attr", 11)}`, 400, /attr: at most 10 filters/],
      [`/api/v1/metrics/query?name=x&${filters("tag", 11)}`, 400, /tag: at most 10 filters/],
      [
        `/api/v1/metrics/query?name=x&group_by=${Array.from({ length: 11 }, (_, i) => `k${i}`).join(",")}`,
        400,
        /group_by: at most 10 tag keys/,
      ],
    ];
    for (const [path, status, message] of cases) {
      const response = await get(path);
      expect(response.status, path).toBe(status);
      expect((await response.json()).error.message, path).toMatch(message);
    }
    expect((await get("/api/v1/traces", ingestKey)).status).toBe(403);
    expect((await fetch(`${server.url}/api/v1/traces`)).status).toBe(401);
  });

  it("serves a valid OpenAPI 3.1 document that lists every endpoint", async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const document = await response.json();
    expect(document.openapi).toBe("3.1.0");
    await SwaggerParser.validate(structuredClone(document));
    for (const endpoint of Object.values(endpoints) as Endpoint[]) {
      expect(document.paths[endpoint.path]?.[endpoint.method], `${endpoint.method} ${endpoint.path}`).toBeDefined();
    }
    expect(document.paths["/api/v1/traces"].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining([
        "service",
        "operation",
        "status",
        "min_duration_ms",
        "max_duration_ms",
        "attr",
        "from",
        "to",
        "limit",
        "cursor",
      ]),
    );
  });
});
