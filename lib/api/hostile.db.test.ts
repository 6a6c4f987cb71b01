import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { createTestProject, openTestDatabase, uniqueName } from "@/db/testing";
import { sessions, users } from "@/db/schema";
import { isServed, type ServedEndpoint } from "@/lib/api/endpoint";
import { endpoints } from "@/lib/api/endpoints";
import { openApiDocument } from "@/lib/api/openapi";
import { encodeCursor } from "@/lib/api/params";
import { insertApiKey, sha256Hex } from "@/lib/auth/keys";
import { SCOPES } from "@/lib/auth/scopes";
import { SESSION_COOKIE } from "@/lib/auth/users";
import { oauthRoute, revokeRequest, tokenRequest } from "@/lib/auth/oauth";
import { route } from "@/lib/http/route";
import { DEEP, HOSTILE_JSON, mutate, paths } from "@/lib/testing/fuzz";

// Every query and path parameter of every endpoint the API serves, sent hostile values one at a time: each answer is
// an answer (2xx) or a refusal in the error envelope (4xx), never a 500. The endpoints run in process against both
// stores, through the same route() wrapper the route handlers use.

let database: Database;
vi.mock("@/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/db")>()),
  getDatabase: () => Promise.resolve(database),
  getAppDatabase: () => Promise.resolve({ database, reads: database }),
}));

const ORIGIN = "http://localhost";
let keyHeaders: Record<string, string>;
let sessionHeaders: Record<string, string>;

beforeAll(async () => {
  database = await openTestDatabase();
  const project = await createTestProject(database);
  const key = await insertApiKey(database.db, project.projectId, [...SCOPES], "hostile");
  keyHeaders = { authorization: `Bearer ${key.keyId}:${key.secret}`, "x-tracedeck-project": project.slug };
  const [user] = await database.db
    .insert(users)
    .values({ email: `${uniqueName("hostile")}@example.com`, passwordHash: "unused", role: "admin" })
    .returning({ id: users.id });
  const token = randomBytes(32).toString("base64url");
  await database.db.insert(sessions).values({
    userId: user!.id,
    tokenHash: sha256Hex(token),
    expiresAt: new Date(Date.now() + 86_400_000),
  });
  sessionHeaders = { cookie: `${SESSION_COOKIE}=${token}`, origin: ORIGIN, host: "localhost" };
});
afterAll(async () => {
  await database.close();
});

const multibyte = (char: string, n: number) => char.repeat(n);

/** What a fuzzer sends: control characters, huge and non-finite numbers, far times, forged cursors, long text. */
export const HOSTILE_VALUES: string[] = [
  "\u0000",
  "a\u0000b",
  "",
  " ",
  "now-999999w",
  "now-999999d",
  "1e308",
  "-1e308",
  "1e40",
  "1e-40",
  "NaN",
  "Infinity",
  "-Infinity",
  "-1",
  "0",
  "9007199254740993",
  "99999999999999999999999999",
  "-99999999999999999999999999",
  "0x10",
  "1.5",
  "true",
  "[]",
  "{}",
  "' or 1=1--",
  "\\",
  "../../x",
  "%",
  "\ud800",
  "a:b",
  ":",
  "99999999999999999999:1",
  "0001-01-01T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "275760-09-13T00:00:00Z",
  "-271821-04-20T00:00:00Z",
  encodeCursor(["x", 1]),
  encodeCursor(["99999999999999999999999", "x", "y", 1e308]),
  encodeCursor([1e308, -1e308, "\u0000"]),
  encodeCursor(["2024-01-01", "\u0000"]),
  Buffer.from("[null,null]").toString("base64url"),
  Buffer.from('["\\u0000",1,"a"]').toString("base64url"),
  Buffer.from("{}").toString("base64url"),
  "!!!not-base64!!!",
  multibyte("é", 1024),
  multibyte("𝕏", 1024),
  multibyte("好", 3000),
  "x".repeat(10_000),
];

/**
 * Cursors forged for every sort key of up to four parts: each part a text, a number or a bigint (decimal text) as
 * the keyset pagination reads them, holding what the database cannot take (NUL, past int64, past float8).
 */
function forgedCursors(): string[] {
  const forged: string[] = [];
  const values = [
    { s: '"\\u0000"', n: "1e999", b: '"9999999999999999999"' },
    { s: JSON.stringify("x".repeat(300)), n: "-1.5", b: '"-9999999999999999999"' },
  ];
  const combos = (length: number): string[][] =>
    length === 0 ? [[]] : combos(length - 1).flatMap((c) => ["s", "n", "b"].map((t) => [...c, t]));
  for (let length = 1; length <= 4; length++)
    for (const combo of combos(length))
      for (const value of values)
        forged.push(Buffer.from(`[${combo.map((t) => value[t as "s" | "n" | "b"]).join(",")}]`).toString("base64url"));
  return forged;
}
const FORGED_CURSORS = forgedCursors();

/** Values parameters need to reach their verb at all (a metric query needs a metric name). */
const BASELINE: Record<string, Record<string, string>> = {
  queryMetric: { name: "cpu" },
};

const PATH_VALUES: Record<string, string> = {
  trace_id: "0af7651916cd43dd8448eb211c80319c",
  name: "svc",
  task_id: "task-1",
  id: "00000000-0000-0000-0000-000000000000",
  slug: "default",
  key_id: "tfk_missing",
};

interface Operation {
  operationId: string;
  parameters?: { name: string; in: "query" | "path" | "header" | "cookie" }[];
}

/** Each operation of the OpenAPI document with the parameters it documents, and the endpoint serving it. */
const operations = Object.values(
  (openApiDocument() as { paths: Record<string, Record<string, Operation>> }).paths,
).flatMap((methods) => Object.values(methods));

const endpointOf = (operation: Operation) => (endpoints as Record<string, unknown>)[operation.operationId];
const served = (e: unknown): e is ServedEndpoint =>
  typeof e === "object" && e !== null && isServed(e as ServedEndpoint);

function urlOf(
  endpoint: ServedEndpoint,
  params: Record<string, string>,
  query: Record<string, string | string[]>,
): string {
  const path = endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(params[name]!.toWellFormed()),
  );
  const pairs = Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => [k, one]));
  const search = new URLSearchParams(pairs).toString();
  return `${ORIGIN}${path}${search ? `?${search}` : ""}`;
}

async function call(
  endpoint: ServedEndpoint,
  params: Record<string, string>,
  query: Record<string, string | string[]>,
): Promise<{ status: number; body: unknown }> {
  const headers = endpoint.scope === "instance" ? sessionHeaders : keyHeaders;
  const method = endpoint.method.toUpperCase();
  const request = new Request(urlOf(endpoint, params, query), {
    method,
    headers: { ...headers, ...(endpoint.body ? { "content-type": "application/json" } : {}) },
    body: endpoint.body ? "{}" : undefined,
  });
  const response = await route(endpoint)(request, { params: Promise.resolve(params) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function expectRefusedOrAnswered(result: { status: number; body: unknown }, what: string): void {
  expect(result.status, `${what}: ${JSON.stringify(result.body)?.slice(0, 300)}`).toBeLessThan(500);
  if (result.status >= 400) {
    expect(result.body, what).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  }
}

describe("hostile parameters", () => {
  it("covers every operation of the OpenAPI document that has query or path parameters", () => {
    const withParameters = operations.filter((o) => o.parameters?.some((p) => p.in === "query" || p.in === "path"));
    expect(withParameters.length).toBeGreaterThan(20);
    // all but /metrics (the Prometheus exposition, served by route() too) and the OTLP receivers (no parameters)
    for (const operation of withParameters) expect(served(endpointOf(operation)), operation.operationId).toBe(true);
  });

  for (const operation of operations) {
    const endpoint = endpointOf(operation);
    const queryKeys = (operation.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
    const pathKeys = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
    if (queryKeys.length + pathKeys.length === 0 || !served(endpoint)) continue;
    it(`${endpoint.method.toUpperCase()} ${endpoint.path}: every hostile value of every parameter is a 2xx or 4xx`, async () => {
      const baseParams = Object.fromEntries(pathKeys.map((k) => [k, PATH_VALUES[k] ?? "x"]));
      const baseQuery = BASELINE[endpoint.name] ?? {};
      for (const value of HOSTILE_VALUES) {
        for (const key of pathKeys) {
          const result = await call(endpoint, { ...baseParams, [key]: value }, baseQuery);
          expectRefusedOrAnswered(result, `path ${key}=${JSON.stringify(value.slice(0, 40))}`);
        }
        for (const key of queryKeys) {
          if (key === "cursor") continue;
          const result = await call(endpoint, baseParams, { ...baseQuery, [key]: value });
          expectRefusedOrAnswered(result, `query ${key}=${JSON.stringify(value.slice(0, 40))}`);
          // a repeated parameter, as attr= and tag= are sent
          const repeated = await call(endpoint, baseParams, { ...baseQuery, [key]: [value, value] });
          expectRefusedOrAnswered(repeated, `query ${key}=${JSON.stringify(value.slice(0, 40))} twice`);
        }
      }
      if (queryKeys.includes("cursor")) {
        for (const cursor of [...HOSTILE_VALUES, ...FORGED_CURSORS]) {
          const result = await call(endpoint, baseParams, { ...baseQuery, cursor });
          expectRefusedOrAnswered(result, `cursor ${Buffer.from(cursor, "base64url").toString().slice(0, 60)}`);
        }
      }
    });
  }
});

/** A body each endpoint takes (beyond ingest, fuzzed in lib/ingest), to fuzz field by field. */
const SAMPLE_BODIES: Record<string, Record<string, unknown>> = {
  authLogin: { email: "nobody@example.com", password: "a password long enough" },
  authSetup: { email: "nobody@example.com", password: "a password long enough" },
  authChangePassword: { current_password: "a password long enough", new_password: "another long password" },
  createPublisher: {
    name: "fuzz",
    type: "webhook",
    enabled: false,
    config: { url: "http://93.184.216.34/hook", secret: "s".repeat(16), signals: ["spans"], batch_size: 10 },
  },
  updatePublisher: { name: "fuzz", enabled: false, config: { url: "http://93.184.216.34/hook" } },
  createProject: { slug: "fuzz-project", name: "Fuzz" },
  updateProject: { name: "Fuzz", public_metrics: false },
  createKey: { name: "fuzz", scopes: ["read"] },
  updateRetention: { traces: 7, logs: 7 },
  createUser: { email: "fuzz@example.com", password: "a password long enough", role: "viewer" },
  updateUser: { role: "viewer" },
  createView: { name: "fuzz", path: "/traces", query: "service=api&min_duration_ms=250" },
  renameView: { name: "fuzz renamed" },
  createAlertRule: {
    name: "fuzz",
    condition: {
      kind: "metric",
      metric: "queue.depth",
      agg: "p95",
      tags: ["region:eu"],
      group_by: ["host"],
      op: "above",
      threshold: 10,
      window_minutes: 5,
    },
    for_minutes: 2,
    severity: "critical",
    channel_ids: [],
    enabled: false,
  },
  updateAlertRule: {
    condition: {
      kind: "pipeline",
      event_name: "payment.capture",
      measure: "stuck",
      stuck_minutes: 30,
      op: "above",
      threshold: 0,
    },
    enabled: false,
  },
  createAlertChannel: {
    name: "fuzz",
    type: "email",
    enabled: false,
    config: {
      host: "93.184.216.34",
      port: 587,
      username: "u",
      password: "p",
      from: "a@example.com",
      to: ["b@example.com"],
    },
  },
  updateAlertChannel: { name: "fuzz", enabled: false, config: { url: "http://93.184.216.34/hook", secret: "s" } },
  createAlertSilence: { rule_id: null, duration_minutes: 30, reason: "fuzz" },
};

/** Whole bodies no endpoint can take. */
const BROKEN_BODIES = [
  "",
  "{",
  "null",
  "[]",
  "1e400",
  '"\\u0000"',
  "[".repeat(DEEP) + "]".repeat(DEEP),
  '{"a":'.repeat(DEEP) + "1" + "}".repeat(DEEP),
];

async function send(endpoint: ServedEndpoint, body: string): Promise<{ status: number; body: unknown }> {
  const params = Object.fromEntries(
    [...endpoint.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name!, PATH_VALUES[name!] ?? "x"]),
  );
  const headers = endpoint.scope === "instance" || endpoint.scope === null ? sessionHeaders : keyHeaders;
  const request = new Request(urlOf(endpoint, params, {}), {
    method: endpoint.method.toUpperCase(),
    headers: { ...headers, "content-type": "application/json" },
    body,
  });
  const response = await route(endpoint)(request, { params: Promise.resolve(params) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe("hostile bodies", () => {
  const withBodies = (Object.values(endpoints) as unknown[]).filter(
    (e): e is ServedEndpoint => served(e) && e.body !== undefined && e.scope !== "ingest",
  );

  it("cover every endpoint beyond ingest that takes a body", () => {
    expect(withBodies.map((e) => e.name).sort()).toEqual(Object.keys(SAMPLE_BODIES).sort());
  });

  for (const endpoint of withBodies) {
    it(`${endpoint.method.toUpperCase()} ${endpoint.path}: every field of its body, given each hostile value, and every broken body is a 2xx or 4xx`, async () => {
      const sample = SAMPLE_BODIES[endpoint.name]!;
      for (const path of paths(sample))
        for (const { label, json } of HOSTILE_JSON)
          expectRefusedOrAnswered(await send(endpoint, mutate(sample, path, json)), `${path.join(".")} = ${label}`);
      for (const body of BROKEN_BODIES)
        expectRefusedOrAnswered(await send(endpoint, body), `body ${JSON.stringify(body.slice(0, 20))}`);
    });
  }

  it("the OAuth token and revocation endpoints answer hostile forms and bodies with a 4xx", async () => {
    const forms = [
      "",
      "grant_type=client_credentials",
      "grant_type=client_credentials&client_id=%00&client_secret=%00",
      `grant_type=client_credentials&client_id=${"好".repeat(3000)}&client_secret=x`,
      "grant_type=password&username=a&password=b",
      "grant_type=client_credentials&scope=" + "read ".repeat(10_000),
      "token=%00&token_type_hint=%00",
      `token=${"x".repeat(100_000)}`,
      "%zz=%zz",
    ];
    for (const [name, handler] of [
      ["token", oauthRoute(tokenRequest)],
      ["revoke", oauthRoute(revokeRequest)],
    ] as const) {
      for (const form of forms) {
        for (const contentType of ["application/x-www-form-urlencoded", "application/json", "text/plain"]) {
          const response = await handler(
            new Request(`${ORIGIN}/api/oauth/${name}`, {
              method: "POST",
              headers: { "content-type": contentType },
              body: form,
            }),
          );
          const what = `${name} ${contentType} ${form.slice(0, 40)}`;
          expect(response.status, what).toBeGreaterThanOrEqual(400);
          expect(response.status, what).toBeLessThan(500);
        }
      }
      for (const body of BROKEN_BODIES) {
        const response = await handler(
          new Request(`${ORIGIN}/api/oauth/${name}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          }),
        );
        expect(response.status, `${name} ${body.slice(0, 20)}`).toBeLessThan(500);
      }
    }
  });
});
