import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestProject, openTestDatabase } from "@/db/testing";
import type { Database } from "@/db/testing/tables";
import { authenticate } from "./authenticate";
import { createApiKey, revokeApiKey } from "./keys";
import { revokeRequest, TOKEN_LIFETIME_SECONDS, tokenRequest } from "./oauth";

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  new Request("http://localhost/api/oauth/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`,
});

async function bearer(token: string, scope: "ingest" | "read" | "admin" = "read") {
  return authenticate({
    db: database.db,
    request: new Request("http://localhost/api/v1/traces", { headers: { authorization: `Bearer ${token}` } }),
    scope,
    now: new Date(),
  });
}

async function newKey(scopes: ("ingest" | "read" | "admin")[]) {
  const project = await createTestProject(database);
  return { project, key: await createApiKey({ db: database.db, input: { project: project.slug, scopes } }) };
}

describe("client-credentials tokens", () => {
  it("are issued for a key, by Basic auth or form fields, and act for its project with its scopes", async () => {
    const { project, key } = await newKey(["ingest", "read"]);
    const response = await tokenRequest({
      db: database.db,
      request: form({ grant_type: "client_credentials" }, basic(key.keyId, key.secret)),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as {
      access_token: string;
      token_type: string;
      expires_in: number;
      scope: string;
    };
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: TOKEN_LIFETIME_SECONDS, scope: "ingest read" });
    expect((await bearer(body.access_token)).projectId).toBe(project.projectId);

    const narrowed = await tokenRequest({
      db: database.db,
      request: form({
        grant_type: "client_credentials",
        scope: "ingest",
        client_id: key.keyId,
        client_secret: key.secret,
      }),
    });
    const { access_token, scope } = (await narrowed.json()) as { access_token: string; scope: string };
    expect(scope).toBe("ingest");
    await expect(bearer(access_token, "read")).rejects.toMatchObject({ code: "forbidden" });
    expect((await bearer(access_token, "ingest")).projectId).toBe(project.projectId);
  });

  it("answer RFC 6749 errors for bad clients, grants and scopes", async () => {
    const { key } = await newKey(["ingest"]);
    const cases: [Request, number, string][] = [
      [form({ grant_type: "client_credentials" }, basic(key.keyId, "tfs_wrong")), 401, "invalid_client"],
      [form({ grant_type: "client_credentials" }), 401, "invalid_client"],
      [form({ grant_type: "password" }, basic(key.keyId, key.secret)), 400, "unsupported_grant_type"],
      [form({}, basic(key.keyId, key.secret)), 400, "invalid_request"],
      [
        form({ grant_type: "client_credentials", scope: "ingest admin" }, basic(key.keyId, key.secret)),
        400,
        "invalid_scope",
      ],
      [
        new Request("http://localhost/api/oauth/token", {
          method: "POST",
          headers: { "content-type": "application/json", ...basic(key.keyId, key.secret) },
          body: "{}",
        }),
        415,
        "invalid_request",
      ],
    ];
    for (const [request, status, error] of cases) {
      const response = await tokenRequest({ db: database.db, request });
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ error, error_description: expect.any(String) });
      if (status === 401) expect(response.headers.get("www-authenticate")).toMatch(/^Basic/);
    }
  });

  it("stop working at once when revoked, when their key is revoked, or when they expire", async () => {
    const { key } = await newKey(["read"]);
    const issue = async (now?: Date) =>
      (
        (await (
          await tokenRequest({
            db: database.db,
            request: form({ grant_type: "client_credentials" }, basic(key.keyId, key.secret)),
            now,
          })
        ).json()) as { access_token: string }
      ).access_token;

    const token = await issue();
    await bearer(token);
    const revoke = (value: string, id = key.keyId, secret = key.secret) =>
      revokeRequest({
        db: database.db,
        request: new Request("http://localhost/api/oauth/revoke", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", ...basic(id, secret) },
          body: `token=${encodeURIComponent(value)}`,
        }),
      });
    expect((await revoke(token)).status).toBe(200);
    await expect(bearer(token)).rejects.toMatchObject({ code: "unauthorized" });
    expect((await revoke("tfa_never-issued")).status).toBe(200);

    // another client cannot revoke this client's token
    const { key: other } = await newKey(["read"]);
    const kept = await issue();
    await revoke(kept, other.keyId, other.secret);
    await bearer(kept);

    const old = await issue(new Date(Date.now() - (TOKEN_LIFETIME_SECONDS + 1) * 1000));
    await expect(bearer(old)).rejects.toMatchObject({ code: "unauthorized" });

    await revokeApiKey({ db: database.db, input: { keyId: key.keyId } });
    await expect(bearer(kept)).rejects.toMatchObject({ code: "unauthorized" });
  });
});
