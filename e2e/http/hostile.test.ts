import net from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKey, dashboardCookie, startServer, type RunningServer } from "./server";

// What a fuzz run sent the production server, on both stores: each is refused with a 4xx in the error envelope
// (or an item of a batch is refused on its own), and the server goes on answering. The in-process sweeps
// (lib/api/hostile.db.test.ts, lib/ingest/hostile.db.test.ts) send the rest; this checks the parts only the real
// server has: Next's routing of encoded paths, the dashboard's pages, a real socket.

const forgedCursor = Buffer.from('["9999999999999999999","\\u0000"]').toString("base64url");

const REFUSED_GETS = [
  "/api/v1/pipeline/events/%00",
  "/api/v1/services/a%00b/operations",
  "/api/v1/traces/%00",
  "/api/v1/logs?q=%00",
  "/api/v1/traces?service=%00",
  "/api/v1/traces?from=now-999999w",
  "/api/v1/traces?min_duration_ms=1e40",
  "/api/v1/pipeline/events/slow?threshold_seconds=1e308",
  "/api/v1/pipeline/network/slow?threshold_seconds=Infinity",
  `/api/v1/pipeline/events?cursor=${forgedCursor}`,
  `/api/v1/logs?cursor=${forgedCursor}`,
  "/api/v1/traces/%zz",
];

const PAGES = ["/events/%00", "/traces/%00", "/services/%00", "/services/a%00b", "/logs?q=%00", "/traces?service=%00"];

describe.each(["pglite", "postgres"] as const)("hostile requests to the server on %s", (store) => {
  let server: RunningServer;
  let key: string;
  let cookie: string;
  beforeAll(async () => {
    server = await startServer(store === "postgres" ? { databaseUrl: inject("serverPostgresUrl") } : {});
    key = await createKey(server.env, "ingest,read");
    cookie = await dashboardCookie(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const get = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

  it.each(REFUSED_GETS)("GET %s is a 400 in the error envelope", async (path) => {
    const response = await get(path);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: "validation_failed", message: expect.any(String) },
    });
  });

  it("dashboard pages named with hostile values answer without a server error", async () => {
    for (const path of PAGES) {
      const response = await fetch(`${server.url}${path}`, { headers: { cookie } });
      expect(response.status, path).toBeLessThan(500);
    }
  });

  it("ingest with a Host header that makes no URL is stored, not a server error", async () => {
    const port = Number(new URL(server.url).port);
    for (const host of ["a b", "[::1", "x:99999"]) {
      const body = JSON.stringify([{ name: "hostile host", start_time: Date.now() / 1000 }]);
      const head = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1", () =>
          socket.write(
            `POST /api/v1/spans HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${key}\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
          ),
        );
        let answer = "";
        socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
        socket.on("end", () => resolve(answer));
        socket.on("error", reject);
      });
      expect(head.split("\r\n")[0], host).toBe("HTTP/1.1 200 OK");
      expect(head).toContain('"accepted":1');
    }
  });

  it("a batch with a span past int64, a name past a btree row and a 20,000-deep attribute keeps its valid span", async () => {
    const span = (name: string, extra: Record<string, unknown> = {}) => ({
      name,
      service_name: "fuzz",
      start_time: new Date().toISOString(),
      duration_ms: 5,
      ...extra,
    });
    const deep = '{"a":'.repeat(20_000) + '"\\u0000"' + "}".repeat(20_000);
    const body =
      `{"spans":[${JSON.stringify(span("kept"))},${JSON.stringify(span("too long", { duration_ms: 9e12 }))},` +
      `${JSON.stringify(span("好".repeat(1000)))},${JSON.stringify(span("deep")).replace('"duration_ms"', `"attributes":{"x":${deep}},"duration_ms"`)}]}`;
    const response = await fetch(`${server.url}/api/v1/spans`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { accepted: number; rejected: number; errors: { index: number }[] };
    expect(answer).toMatchObject({ accepted: 1, rejected: 3 });
    expect(answer.errors.map((e) => e.index)).toEqual([1, 2, 3]);
    // and the server is still there
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
  });

  it("series answers too large for an answer are a 422 naming the limit, and repeated filters past the cap a 400", async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const at = new Date(Date.now() - 60_000).toISOString();
    const names = Array.from({ length: 12 }, (_, i) => `series-${i}`);
    const spans = names.map((service) => ({
      name: "GET /",
      service_name: service,
      kind: "server",
      start_time: at,
      duration_ms: 5,
    }));
    expect((await post("/api/v1/spans", { spans })).status).toBe(200);
    const operations = names.map((host, i) => ({ task_id: `t${i}`, host, port: 443, start_time: at, end_time: at }));
    expect((await post("/api/v1/pipeline/network", { operations })).status).toBe(200);
    const publishers = names.map((name) => ({ name, type: "prometheus", target: "localhost:9464", state: "healthy" }));
    expect((await post("/api/v1/publishers/status", { publishers })).status).toBe(200);
    // 12 series of six days at one-minute steps: 103,692 points
    for (const path of ["/api/v1/services/series", "/api/v1/pipeline/network/series", "/api/v1/publishers/series"]) {
      const response = await get(`${path}?from=now-6d&step_seconds=60`);
      expect(response.status, path).toBe(422);
      expect(await response.json(), path).toMatchObject({
        error: {
          code: "unprocessable",
          message: expect.stringContaining("100,000 points"),
          details: [{ path: "step_seconds" }],
        },
      });
      expect((await get(`${path}?from=now-6d&step_seconds=3600`)).status, path).toBe(200);
    }
    const attrs = Array.from({ length: 11 }, (_, i) => `attr=k${i}%3Dv`).join("&");
    const filters = await get(`/api/v1/traces?${attrs}`);
    expect(filters.status).toBe(400);
    expect(await filters.json()).toMatchObject({
      error: { code: "validation_failed", message: expect.stringContaining("attr") },
    });
  });
});
