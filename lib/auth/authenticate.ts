import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { apiKeys, oauthTokens } from "@/db/schema";
import { ApiError } from "@/lib/http/errors";
import { KEY_ID_PREFIX, secretMatches, sha256Hex } from "./keys";
import { hasScope, type Scope } from "./scopes";

export type Credentials = { kind: "key"; keyId: string; secret: string } | { kind: "token"; token: string };

export interface Principal {
  projectId: string;
  scopes: Scope[];
}

function splitPair(value: string): Credentials | undefined {
  const colon = value.indexOf(":");
  if (colon <= 0) return undefined;
  return { kind: "key", keyId: value.slice(0, colon).trim(), secret: value.slice(colon + 1).trim() };
}

/**
 * Credentials in any accepted form: `Authorization: Bearer <key_id>:<key_secret>`,
 * `X-TelemetryFlow-Key-ID` + `X-TelemetryFlow-Key-Secret`, `X-API-Key: <key_id>:<key_secret>`,
 * or `Authorization: Bearer <oauth access token>`.
 */
export function readCredentials(headers: Headers): Credentials | undefined {
  const authorization = headers.get("authorization")?.trim();
  if (authorization) {
    const match = /^bearer\s+(.+)$/i.exec(authorization);
    if (!match) return undefined;
    const value = match[1]!.trim();
    if (value.startsWith(KEY_ID_PREFIX)) return splitPair(value);
    return { kind: "token", token: value };
  }
  const keyId = headers.get("x-telemetryflow-key-id")?.trim();
  const secret = headers.get("x-telemetryflow-key-secret")?.trim();
  if (keyId && secret) return { kind: "key", keyId, secret };
  const apiKey = headers.get("x-api-key")?.trim();
  if (apiKey) return splitPair(apiKey);
  return undefined;
}

const LAST_USED_RESOLUTION_MS = 60_000;

// Every authenticated request runs this lookup: prepared once per database.
const prepareKeyLookup = (db: Db) =>
  db
    .select({
      id: apiKeys.id,
      projectId: apiKeys.projectId,
      secretHash: apiKeys.secretHash,
      scopes: apiKeys.scopes,
      lastUsedAt: apiKeys.lastUsedAt,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyId, sql.placeholder("keyId")), isNull(apiKeys.revokedAt)))
    .prepare("api_key_by_key_id");
const keyLookups = new WeakMap<Db, ReturnType<typeof prepareKeyLookup>>();

async function principalForKey(db: Db, keyId: string, secret: string, now: Date): Promise<Principal | undefined> {
  let lookup = keyLookups.get(db);
  if (!lookup) keyLookups.set(db, (lookup = prepareKeyLookup(db)));
  const [key] = await lookup.execute({ keyId });
  if (!key || !secretMatches(secret, key.secretHash)) return undefined;
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // bookkeeping only: a failure here must not fail the request
    db.update(apiKeys)
      .set({ lastUsedAt: now })
      .where(eq(apiKeys.id, key.id))
      .catch(() => {});
  }
  return { projectId: key.projectId, scopes: key.scopes as Scope[] };
}

async function principalForToken(db: Db, token: string, now: Date): Promise<Principal | undefined> {
  const [row] = await db
    .select({ projectId: oauthTokens.projectId, scopes: oauthTokens.scopes })
    .from(oauthTokens)
    .where(and(eq(oauthTokens.tokenHash, sha256Hex(token)), isNull(oauthTokens.revokedAt), gt(oauthTokens.expiresAt, now)));
  return row ? { projectId: row.projectId, scopes: row.scopes as Scope[] } : undefined;
}

/** The caller's project and scopes; 401 without valid credentials, 403 without the scope. */
export async function authenticate({ db, headers, scope, now }: { db: Db; headers: Headers; scope: Scope; now: Date }): Promise<Principal> {
  const credentials = readCredentials(headers);
  if (!credentials) {
    throw new ApiError(
      "unauthorized",
      "missing credentials: send Authorization: Bearer <key_id>:<key_secret>, X-API-Key, or the X-TelemetryFlow-Key-ID/-Secret headers",
    );
  }
  const principal =
    credentials.kind === "key"
      ? await principalForKey(db, credentials.keyId, credentials.secret, now)
      : await principalForToken(db, credentials.token, now);
  if (!principal) throw new ApiError("unauthorized", "invalid, revoked or expired credentials");
  if (!hasScope(principal.scopes, scope)) {
    throw new ApiError("forbidden", `this key lacks the "${scope}" scope`);
  }
  return principal;
}
