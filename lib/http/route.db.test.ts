import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { Database } from "@/db";
import { createTestProject, openTestDatabase } from "@/db/testing";
import { endpoint, publicEndpoint } from "@/lib/api/endpoint";
import { insertApiKey } from "@/lib/auth/keys";
import { route } from "./route";

// The route wrapper against a real database: credentials, parameters, and the answer checked
// against the endpoint's response schema (on outside production, as in tests).

let database: Database;
vi.mock("@/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/db")>()),
  getDatabase: () => Promise.resolve(database),
  getAppDatabase: () => Promise.resolve({ database, reads: database }),
}));

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const Answer = z.object({ name: z.string(), count: z.number() });

describe("route", () => {
  it("answers what the response schema describes", async () => {
    const handler = route(
      publicEndpoint("authMe", { summary: "", tag: "", response: Answer, serve: () => ({ name: "a", count: 1 }) }),
    );
    const response = await handler(new Request("http://localhost/api/v1/auth/me"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: "a", count: 1 });
  });

  it("refuses to send an answer its schema does not describe: a 500, and the log names the endpoint", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    // what a verb that drifted from its schema would answer, past the compiler
    const drifted: () => z.input<typeof Answer> = () => JSON.parse('{"name":"a","count":"1"}');
    const handler = route(publicEndpoint("authMe", { summary: "", tag: "", response: Answer, serve: drifted }));
    const response = await handler(new Request("http://localhost/api/v1/auth/me"));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: "internal", message: "internal error" } });
    expect(String(errors.mock.calls[0]?.[0])).toContain(
      "the answer of authMe does not match its response schema: count",
    );
    errors.mockRestore();
  });

  it("authenticates, parses the query with the endpoint's schema and hands the verb typed values", async () => {
    const project = await createTestProject(database);
    const key = await insertApiKey(database.db, project.projectId, ["read"], "route-test");
    const handler = route(
      endpoint("projectStats", {
        summary: "",
        tag: "",
        scope: "read",
        query: z.object({ n: z.coerce.number().int() }),
        response: z.object({ doubled: z.number(), project: z.string() }),
        serve: ({ ctx, query }) => ({ doubled: query.n * 2, project: ctx.projectId }),
      }),
    );
    const auth = { authorization: `Bearer ${key.keyId}:${key.secret}` };
    const ok = await handler(new Request("http://localhost/api/v1/stats?n=21", { headers: auth }));
    expect(await ok.json()).toEqual({ doubled: 42, project: project.projectId });
    const bad = await handler(new Request("http://localhost/api/v1/stats?n=x", { headers: auth }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/^invalid query parameter: n:/);
    expect((await handler(new Request("http://localhost/api/v1/stats?n=1"))).status).toBe(401);
  });
});
