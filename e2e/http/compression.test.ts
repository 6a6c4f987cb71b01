import http from "node:http";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, dashboardCookie, startServer, type RunningServer } from "./server";

// Compressed answers from the production server: the REST API, /metrics, the OpenAPI document and pages go gzip- or
// br-encoded to clients that accept it, exactly once, and decode to what an uncompressed answer says.

let server: RunningServer;
let readKey: string;
let cookie: string;
const TRACE_ID = "7d4f8c2a9b1e4f60a3c5d7e9f1b2c4d6";

beforeAll(async () => {
  server = await startServer({});
  readKey = await createKey(server.env, "read");
  const ingestKey = await createKey(server.env, "ingest");
  cookie = await dashboardCookie(server.url);
  const now = Date.now() / 1000;
  const post = async (path: string, body: unknown) => {
    const response = await fetch(server.url + path, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ingestKey}` },
      body: JSON.stringify(body),
    });
    expect(response.status, await response.text()).toBe(200);
  };
  await post(
    "/api/v1/spans",
    Array.from({ length: 1000 }, (_, i) => ({
      trace_id: TRACE_ID,
      span_id: (i + 1).toString(16).padStart(16, "0"),
      parent_span_id: i === 0 ? undefined : (Math.floor(i / 10) + 1).toString(16).padStart(16, "0"),
      name: `GET /items/${i}`,
      service_name: ["web", "api", "db"][i % 3],
      kind: "server",
      start_time: now - 60 + i / 1000,
      duration_ms: 5 + (i % 40),
      attributes: { "http.route": `/items/${i % 50}`, "user.id": `u-${i % 100}` },
    })),
  );
  // enough pipeline telemetry for /metrics to be worth compressing
  await post(
    "/api/v1/pipeline/events",
    Array.from({ length: 40 }, (_, i) => ({
      event_name: `resize-${i}`,
      task_id: `compression-${i}`,
      start_time: now - 10,
      end_time: now - 9,
      status: i % 4 === 0 ? "failed" : "completed",
      retry_count: i % 3,
    })),
  );
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** the bytes on the wire */
  wire: Buffer;
}

/** A request from a client that decodes nothing itself (fetch would undo the encoding before the test sees it). */
function request(path: string, headers: Record<string, string>, method = "GET"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .request(server.url + path, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, wire: Buffer.concat(chunks) }));
        res.on("error", reject);
      })
      .on("error", reject)
      .end();
  });
}

/** Undoes the one encoding the answer names. */
function decoded(answer: Answer): string {
  const encoding = answer.headers["content-encoding"];
  if (encoding === "gzip") return zlib.gunzipSync(answer.wire).toString();
  if (encoding === "br") return zlib.brotliDecompressSync(answer.wire).toString();
  expect(encoding).toBeUndefined();
  return answer.wire.toString();
}

const varyNames = (answer: Answer) =>
  String(answer.headers.vary ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase());

const withKey = (headers: Record<string, string> = {}) => ({ ...headers, authorization: `Bearer ${readKey}` });

describe("compressed answers", () => {
  const answers = [
    { name: "a trace", path: `/api/v1/traces/${TRACE_ID}`, json: true },
    { name: "a trace's outline", path: `/api/v1/traces/${TRACE_ID}/outline`, json: true },
    { name: "a trace's top", path: `/api/v1/traces/${TRACE_ID}/outline?order=start&limit=100`, json: true },
    { name: "/metrics", path: "/metrics", json: false },
    { name: "the OpenAPI document", path: "/api/v1/openapi.json", json: true },
  ];

  it.each(answers)(
    "$name decodes from gzip and from br to what the uncompressed answer says",
    async ({ path, json }) => {
      const plain = await request(path, withKey());
      expect(plain.status).toBe(200);
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.wire.length).toBeGreaterThan(1024);
      for (const coding of ["gzip", "br"]) {
        const answer = await request(path, withKey({ "accept-encoding": coding }));
        expect(answer.status).toBe(200);
        expect(answer.headers["content-encoding"]).toBe(coding);
        expect(answer.headers["content-length"]).toBeUndefined();
        expect(varyNames(answer)).toContain("accept-encoding");
        expect(answer.wire.length).toBeLessThan(plain.wire.length / 2);
        const body = decoded(answer);
        if (json) expect(JSON.parse(body)).toEqual(JSON.parse(plain.wire.toString()));
        else expect(body).toBe(plain.wire.toString());
      }
    },
  );

  it("encodes once: one decoding of a compressed answer is the JSON itself", async () => {
    for (const accept of ["gzip", "br", "gzip, deflate, br, zstd"]) {
      const answer = await request(`/api/v1/traces/${TRACE_ID}`, withKey({ "accept-encoding": accept }));
      expect(answer.headers["content-encoding"]).toMatch(/^(gzip|br)$/);
      const trace = JSON.parse(decoded(answer)) as { trace_id: string; spans: unknown[] };
      expect(trace.trace_id).toBe(TRACE_ID);
      expect(trace.spans).toHaveLength(1000);
    }
  });

  it("a trace's outline, page by page, holds every span once; a span opens whole", async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const answer = await request(
        `/api/v1/traces/${TRACE_ID}/outline?limit=300${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        withKey({ "accept-encoding": "br" }),
      );
      expect(answer.status).toBe(200);
      expect(answer.headers["content-type"]).toMatch(/^application\/json/);
      const page = JSON.parse(decoded(answer)) as {
        span_count: number;
        strings: string[];
        spans: { span_id: string[]; service: number[] };
        next_cursor: string | null;
      };
      expect(page.span_count).toBe(1000);
      expect(page.spans.service.every((s) => ["web", "api", "db"].includes(page.strings[s]!))).toBe(true);
      ids.push(...page.spans.span_id);
      cursor = page.next_cursor;
    } while (cursor);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    const span = await request(`/api/v1/traces/${TRACE_ID}/spans/${"a".padStart(16, "0")}`, withKey());
    expect(span.status).toBe(200);
    expect(JSON.parse(decoded(span))).toMatchObject({
      spans: [{ name: "GET /items/9", attributes: { "http.route": "/items/9", "user.id": "u-9" } }],
    });
    const unknown = await request(`/api/v1/traces/${TRACE_ID}/spans/${"f".repeat(16)}`, withKey());
    expect(unknown.status).toBe(404);
    expect(JSON.parse(decoded(unknown))).toMatchObject({ error: { code: "not_found" } });
    const bad = await request(`/api/v1/traces/${TRACE_ID}/outline?limit=50001`, withKey());
    expect(bad.status).toBe(400);
    expect(JSON.parse(decoded(bad))).toMatchObject({ error: { message: expect.stringMatching(/limit/) } });
  });

  it("honours the client's q-values, identity and refusals", async () => {
    const path = "/api/v1/openapi.json";
    const cases: [string, string | undefined][] = [
      ["gzip, deflate, br", "br"],
      ["gzip;q=1.0, br;q=0.5", "gzip"],
      ["br;q=0, gzip", "gzip"],
      ["gzip;q=0, br", "br"],
      ["*", "br"],
      ["identity", undefined],
      ["gzip;q=0, br;q=0", undefined],
      ["*;q=0", undefined],
      ["deflate", undefined],
    ];
    for (const [accept, coding] of cases) {
      const answer = await request(path, { "accept-encoding": accept });
      expect(answer.headers["content-encoding"], accept).toBe(coding);
      // whichever it got, a cache must know that another client may get another encoding
      expect(varyNames(answer), accept).toContain("accept-encoding");
      expect(JSON.parse(decoded(answer))).toMatchObject({ openapi: expect.stringMatching(/^3\.1/) });
    }
    const head = await request(path, { "accept-encoding": "gzip, br" }, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-encoding"]).toBeUndefined();
    expect(head.wire.length).toBe(0);
  });

  it("sends small answers uncompressed, with their length", async () => {
    const answer = await request("/api/v1/health", { "accept-encoding": "gzip, deflate, br" });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-encoding"]).toBeUndefined();
    expect(Number(answer.headers["content-length"])).toBe(answer.wire.length);
    expect(answer.wire.length).toBeLessThan(1024);
    expect(varyNames(answer)).toContain("accept-encoding");
    expect(JSON.parse(answer.wire.toString())).toMatchObject({ status: "ok" });
  });

  it("serves a page and its scripts to a browser, br-encoded", async () => {
    const browser = {
      cookie,
      accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      "accept-encoding": "gzip, deflate, br, zstd",
      "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0 Safari/537.36",
    };
    const page = await request("/traces", browser);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["content-encoding"]).toBe("br");
    expect(varyNames(page)).toContain("accept-encoding");
    const html = decoded(page);
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).toContain("</html>");
    const script = /src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await request(script!, { ...browser, accept: "*/*" });
    expect(asset.status).toBe(200);
    expect(asset.headers["content-encoding"]).toBe("br");
    expect(decoded(asset).length).toBeGreaterThan(asset.wire.length);

    // fetch (undici, as a browser does) undoes the encoding on its own
    const fetched = await fetch(server.url + "/traces", { headers: browser });
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toContain("</html>");
  });
});
