import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, openTestDatabase } from "@/db/testing";
import { apiKeys, spans, type Database } from "@/db/testing/tables";
import { ApiError } from "@/lib/errors";
import { errorStatus } from "@/lib/http/errors";
import { ingestSpans } from "@/lib/ingest/native";
import { authenticate } from "./authenticate";
import { createApiKey, listApiKeys, revokeApiKey, sha256Hex } from "./keys";

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

async function status(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof ApiError) return errorStatus(error);
    throw error;
  }
}

const auth = (headers: Record<string, string>, scope: "ingest" | "read" | "admin" = "ingest") =>
  authenticate({
    db: database.db,
    request: new Request("http://localhost/api/v1/spans", { method: "POST", headers }),
    scope,
    now: new Date(),
  });

describe("API keys", () => {
  it("stores only a SHA-256 of the secret", async () => {
    const project = await createTestProject(database);
    const key = await createApiKey({ db: database.db, input: { project: project.slug, scopes: ["ingest"] } });
    const [row] = await database.db.select().from(apiKeys).where(eq(apiKeys.keyId, key.keyId));
    expect(row!.secretHash).toBe(sha256Hex(key.secret));
    expect(JSON.stringify(row)).not.toContain(key.secret);
  });

  it("authenticate in every header form, for their own project", async () => {
    const project = await createTestProject(database);
    const key = await createApiKey({ db: database.db, input: { project: project.slug, scopes: ["ingest", "read"] } });
    const forms: Record<string, string>[] = [
      { authorization: `Bearer ${key.keyId}:${key.secret}` },
      { "x-api-key": `${key.keyId}:${key.secret}` },
      { "x-telemetryflow-key-id": key.keyId, "x-telemetryflow-key-secret": key.secret },
    ];
    for (const headers of forms) {
      const principal = await auth(headers);
      expect(principal.projectId).toBe(project.projectId);
      expect(principal.scopes).toEqual(["ingest", "read"]);
    }
  });

  it("answer 401 without or with wrong credentials, and 403 without the scope", async () => {
    const project = await createTestProject(database);
    const key = await createApiKey({ db: database.db, input: { project: project.slug, scopes: ["ingest"] } });
    expect(await status(auth({}))).toBe(401);
    expect(await status(auth({ authorization: `Bearer ${key.keyId}:tfs_wrong` }))).toBe(401);
    expect(await status(auth({ authorization: `Bearer tfk_000000000000000000000000:${key.secret}` }))).toBe(401);
    expect(await status(auth({ authorization: "Bearer some-unknown-token" }))).toBe(401);
    expect(await status(auth({ authorization: `Bearer ${key.keyId}:${key.secret}` }, "read"))).toBe(403);
    expect(await status(auth({ authorization: `Bearer ${key.keyId}:${key.secret}` }, "ingest"))).toBe(200);
  });

  it("are refused at once when revoked, and listed as revoked", async () => {
    const project = await createTestProject(database);
    const key = await createApiKey({ db: database.db, input: { project: project.slug, scopes: ["ingest"] } });
    const headers = { authorization: `Bearer ${key.keyId}:${key.secret}` };
    expect(await status(auth(headers))).toBe(200);
    await revokeApiKey({ db: database.db, input: { keyId: key.keyId } });
    expect(await status(auth(headers))).toBe(401);
    const [listed] = await listApiKeys({ db: database.db, input: { project: project.slug } });
    expect(listed!.revokedAt).toBeInstanceOf(Date);
    expect(await status(revokeApiKey({ db: database.db, input: { keyId: "tfk_nonexistent" } }))).toBe(404);
  });

  it("write only into their own project", async () => {
    const a = await createTestProject(database);
    const b = await createTestProject(database);
    const keyB = await createApiKey({ db: database.db, input: { project: b.slug, scopes: ["ingest"] } });
    const principal = await auth({ "x-api-key": `${keyB.keyId}:${keyB.secret}` });
    await ingestSpans({
      ctx: { ...a, projectId: principal.projectId },
      input: [{ name: "from-b", start_time: 1_763_787_600 }],
    });
    const inA = await database.db.select().from(spans).where(eq(spans.projectId, a.projectId));
    const inB = await database.db.select().from(spans).where(eq(spans.projectId, b.projectId));
    expect(inA).toHaveLength(0);
    expect(inB.map((s) => s.name)).toEqual(["from-b"]);
  });

  it("cannot be made for a project that does not exist", async () => {
    expect(
      await status(createApiKey({ db: database.db, input: { project: "no-such-project", scopes: ["read"] } })),
    ).toBe(404);
  });
});
