import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, dashboardCookie, startServerOn, STORES, type RunningServer } from "./server";

// The browser-facing headers of every kind of answer: the dashboard's pages (a Content-Security-Policy with a
// fresh script nonce), the REST API, OTLP and native ingest, /metrics, and the error answers before and after
// routing.

let server: RunningServer;
let ingestKey: string;
let cookie: string;

const call = (path: string, init: RequestInit = {}) => fetch(server.url + path, { redirect: "manual", ...init });
const signedIn = (path: string, headers: Record<string, string> = {}) =>
  call(path, { headers: { cookie, ...headers } });

const TRACE_ID = "5b8efff798038103d269b633813fc60c";
const otlpTraces = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "headers-test" } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: TRACE_ID,
              spanId: "eee19b7ec3c1b174",
              name: "GET /",
              kind: 2,
              startTimeUnixNano: "1700000000000000000",
              endTimeUnixNano: "1700000000100000000",
            },
          ],
        },
      ],
    },
  ],
};

/** The directives of a Content-Security-Policy header, by name. */
function directives(response: Response): Map<string, string[]> {
  const header = response.headers.get("content-security-policy");
  expect(header, `${response.url} has a Content-Security-Policy`).toBeTruthy();
  return new Map(
    header!
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

/** What every answer carries, whatever its kind. */
function expectBrowserHeaders(response: Response) {
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("same-origin");
  expect(response.headers.get("strict-transport-security")).toBeNull(); // plain http here
  const csp = directives(response);
  expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
}

/** The policy of an answer that renders nothing: it allows nothing, and carries no nonce (the proxy did not run). */
function expectLockedDown(response: Response) {
  expectBrowserHeaders(response);
  const csp = directives(response);
  expect(csp.get("default-src")).toEqual(["'none'"]);
  expect(csp.get("base-uri")).toEqual(["'none'"]);
  expect(csp.get("form-action")).toEqual(["'none'"]);
  expect(response.headers.get("content-security-policy")).not.toMatch(/nonce/);
}

/** A page's policy, and its nonce. */
function expectPagePolicy(response: Response): string {
  expectBrowserHeaders(response);
  const csp = directives(response);
  const scripts = csp.get("script-src") ?? [];
  const nonce = /^'nonce-([A-Za-z0-9+/=]+)'$/.exec(scripts.find((s) => s.startsWith("'nonce-")) ?? "")?.[1];
  expect(nonce, "script-src carries a nonce").toBeTruthy();
  expect(scripts).toContain("'strict-dynamic'");
  expect(scripts).not.toContain("'unsafe-inline'");
  expect(scripts).not.toContain("'unsafe-eval'");
  expect(csp.get("style-src-elem")).toEqual(["'self'", `'nonce-${nonce}'`]);
  expect(csp.get("object-src")).toEqual(["'none'"]);
  expect(csp.get("base-uri")).toEqual(["'self'"]);
  expect(csp.get("form-action")).toEqual(["'self'"]);
  expect(csp.get("default-src")).toEqual(["'self'"]);
  return nonce!;
}

/**
 * Every <script> element of the page carries the nonce (and the page has inline scripts to carry it), and so does
 * every <style> element unless `styles` is false.
 */
function expectNonceOnElements(html: string, nonce: string, { styles = true } = {}) {
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  const inline = html.match(/<script\b(?![^>]*\bsrc=)[^>]*>/g) ?? [];
  expect(inline.length).toBeGreaterThan(0);
  for (const tag of [...scripts, ...(styles ? (html.match(/<style\b[^>]*>/g) ?? []) : [])]) {
    expect(tag).toContain(`nonce="${nonce}"`);
  }
}

/** Neither the browser nor a shared cache keeps the answer. */
function expectNotStored(response: Response) {
  const directives = (response.headers.get("cache-control") ?? "").split(",").map((d) => d.trim());
  expect(directives).toContain("no-store");
}

describe.each(STORES)("security headers on %s", (store) => {
  beforeAll(async () => {
    server = await startServerOn(store);
    ingestKey = await createKey(server.env, "ingest");
    cookie = await dashboardCookie(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("gives each page answer a fresh nonce, on its policy and on every script of the page", async () => {
    const nonces = new Set<string>();
    for (const path of ["/", "/", "/traces", "/login"]) {
      // signed out, /login renders the theme script of the root layout (no theme chosen yet)
      const response = path === "/login" ? await call(path) : await signedIn(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const nonce = expectPagePolicy(response);
      expectNonceOnElements(await response.text(), nonce);
      nonces.add(nonce);
    }
    expect(nonces.size).toBe(4);
  });

  it("gives the page for an unknown path the page policy too", async () => {
    const response = await signedIn("/no-such-page");
    expect(response.status).toBe(404);
    // Next's built-in not-found page has a <style> element of its own that carries no nonce: refused, it leaves
    // the page to the app's stylesheet
    expectNonceOnElements(await response.text(), expectPagePolicy(response), { styles: false });
  });

  it("locks down JSON API answers and keeps them out of caches", async () => {
    const response = await signedIn("/api/v1/traces");
    expect(response.status).toBe(200);
    expectLockedDown(response);
    expectNotStored(response);
  });

  it("keeps a new key's secret out of caches", async () => {
    const response = await call("/api/v1/keys?project=default", {
      method: "POST",
      headers: { cookie, origin: server.url, "content-type": "application/json" },
      body: JSON.stringify({ name: "headers", scopes: ["read"] }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toHaveProperty("secret");
    expectLockedDown(response);
    expectNotStored(response);
  });

  it("locks down ingest answers, OTLP and native", async () => {
    const otlp = await call("/v1/traces", {
      method: "POST",
      headers: { authorization: `Bearer ${ingestKey}`, "content-type": "application/json" },
      body: JSON.stringify(otlpTraces),
    });
    expect(otlp.status, await otlp.clone().text()).toBe(200);
    expectLockedDown(otlp);
    expectNotStored(otlp);

    const native = await call("/api/v1/events", {
      method: "POST",
      headers: { authorization: `Bearer ${ingestKey}`, "content-type": "application/json" },
      body: JSON.stringify({ events: [{ name: "deploy", timestamp: "2023-11-14T22:13:20Z" }] }),
    });
    expect(native.status, await native.clone().text()).toBe(200);
    expectLockedDown(native);
  });

  it("locks down the Prometheus exposition", async () => {
    const response = await call("/metrics", {
      headers: { authorization: `Bearer ${await createKey(server.env, "read")}` },
    });
    expect(response.status).toBe(200);
    expectLockedDown(response);
  });

  it("locks down the 400 answered before routing for a broken percent-encoding", async () => {
    for (const path of ["/api/v1/traces/%zz", "/traces/%zz"]) {
      const response = await signedIn(path);
      expect(response.status, path).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "validation_failed" } });
      expectLockedDown(response);
    }
    expectNotStored(await signedIn("/api/v1/traces/%zz"));
  });

  it("locks down not-found answers of the API", async () => {
    for (const path of ["/api/v1/traces/00000000000000000000000000000001", "/api/v1/no-such-endpoint"]) {
      const response = await signedIn(path);
      expect(response.status, path).toBe(404);
      expectLockedDown(response);
      expectNotStored(response);
    }
  });

  it("asks browsers to keep to HTTPS only when the request came over HTTPS", async () => {
    for (const path of ["/", "/api/v1/traces", "/api/v1/health"]) {
      for (const proto of ["https", "https, http"]) {
        const response = await signedIn(path, { "x-forwarded-proto": proto });
        expect(response.headers.get("strict-transport-security"), `${path} over ${proto}`).toBe("max-age=31536000");
      }
      for (const proto of [undefined, "http"]) {
        const response = await signedIn(path, proto ? { "x-forwarded-proto": proto } : {});
        expect(response.headers.get("strict-transport-security"), `${path} over ${proto}`).toBeNull();
      }
    }
  });

  it("asks the same of ingest answers, which the server hands to their handlers without Next", async () => {
    for (const path of ["/v1/traces", "/api/v1/spans", "/api/v2/spans"]) {
      for (const [proto, hsts] of [
        ["https", "max-age=31536000"],
        ["https, http", "max-age=31536000"],
        ["http", null],
        [undefined, null],
      ] as const) {
        const response = await call(path, {
          method: "POST",
          headers: {
            authorization: `Bearer ${ingestKey}`,
            "content-type": "application/json",
            ...(proto ? { "x-forwarded-proto": proto } : {}),
          },
          body: path === "/v1/traces" ? "{}" : "[]",
        });
        expect(response.status, `${path}: ${await response.clone().text()}`).toBeLessThan(300);
        expect(response.headers.get("strict-transport-security"), `${path} over ${proto}`).toBe(hsts);
        expectNotStored(response);
        if (!proto) expectLockedDown(response);
      }
    }
  });

  it("sends nosniff with the static files the pages load", async () => {
    const html = await (await signedIn("/")).text();
    const src = /<script\b[^>]*\bsrc="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(src).toBeTruthy();
    const response = await call(src!);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).not.toMatch(/nonce/);
  });

  it("serves the site's icon at /favicon.ico, where browsers ask for it, and names it in every page", async () => {
    const response = await call("/favicon.ico");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/x-icon");
    const icon = Buffer.from(await response.arrayBuffer());
    expect(icon.readUInt16LE(2), "an icon resource").toBe(1);
    expect(icon.readUInt16LE(4), "images in it").toBeGreaterThan(0);
    expect(await (await signedIn("/")).text()).toMatch(/<link rel="icon" href="\/favicon\.ico[?"]/);
  });
});
