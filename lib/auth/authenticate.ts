import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { apiKeys, oauthTokens, projects } from "@/db/schema";
import { DEFAULT_PROJECT_SLUG } from "@/db/seed";
import { ApiError, describeZodError } from "@/lib/errors";
import { KEY_ID_PREFIX, secretMatches, sha256Hex } from "./keys";
import { hasScope, type Access, type Scope } from "./scopes";
import { ProjectSlug } from "./settings";
import { SESSION_COOKIE, sessionUser, type SessionUser } from "./users";

export type Credentials = { kind: "key"; keyId: string; secret: string } | { kind: "token"; token: string };

export interface Principal {
  projectId: string;
  /** the project's slug, for a key or token: the one project it may name */
  projectSlug?: string;
  scopes: Scope[];
  /** set when a dashboard session, not a key, authenticated the request */
  user?: SessionUser;
}

/** What authentication reads of a request. */
export interface RequestLike {
  headers: Headers;
  url: string;
  method: string;
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
      projectSlug: projects.slug,
      secretHash: apiKeys.secretHash,
      scopes: apiKeys.scopes,
      lastUsedAt: apiKeys.lastUsedAt,
    })
    .from(apiKeys)
    .innerJoin(projects, eq(projects.id, apiKeys.projectId))
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
  return { projectId: key.projectId, projectSlug: key.projectSlug, scopes: key.scopes as Scope[] };
}

async function principalForToken(db: Db, token: string, now: Date): Promise<Principal | undefined> {
  // a token dies with the key that obtained it
  const [row] = await db
    .select({ projectId: oauthTokens.projectId, projectSlug: projects.slug, scopes: oauthTokens.scopes })
    .from(oauthTokens)
    .innerJoin(projects, eq(projects.id, oauthTokens.projectId))
    .leftJoin(apiKeys, eq(apiKeys.id, oauthTokens.apiKeyId))
    .where(
      and(
        eq(oauthTokens.tokenHash, sha256Hex(token)),
        isNull(oauthTokens.revokedAt),
        gt(oauthTokens.expiresAt, now),
        isNull(apiKeys.revokedAt),
      ),
    );
  return row ? { projectId: row.projectId, projectSlug: row.projectSlug, scopes: row.scopes as Scope[] } : undefined;
}

export function readCookie(headers: Headers, name: string): string | undefined {
  for (const part of (headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Where a browser says a request comes from: this site, another one, or it does not say. */
export function requestOrigin(request: Pick<RequestLike, "headers">): "same" | "other" | "none" {
  const origin = request.headers.get("origin");
  if (!origin) return "none";
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  try {
    return host && new URL(origin).host === host ? "same" : "other";
  } catch {
    return "other";
  }
}

/** A session's state-changing request must come from this site's own pages (browsers send Origin). */
function assertSameOrigin(request: RequestLike): void {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return;
  if (requestOrigin(request) !== "same") {
    throw new ApiError("forbidden", "cross-origin request refused: send it from this site's pages, or with an API key");
  }
}

/**
 * The project a request names with `?project=<slug>` or X-Tracedeck-Project (default: default);
 * a malformed slug is a 400 before any lookup.
 */
function requestedProjectSlug(request: RequestLike): string {
  return namedProjectSlug(request) ?? DEFAULT_PROJECT_SLUG;
}

/** The project a request names, if it names one; a malformed slug is a 400. */
function namedProjectSlug(request: RequestLike): string | undefined {
  const slug = new URL(request.url).searchParams.get("project") ?? request.headers.get("x-tracedeck-project");
  if (slug === null) return undefined;
  const parsed = ProjectSlug.safeParse(slug);
  if (!parsed.success) {
    const reason = describeZodError(parsed.error);
    throw new ApiError("validation_failed", `invalid project: ${reason}`, [{ path: "project", message: reason }]);
  }
  return parsed.data;
}

/** Sessions act for the project the request names. */
async function sessionPrincipal(db: Db, request: RequestLike, user: SessionUser): Promise<Principal> {
  const slug = requestedProjectSlug(request);
  const [project] = await db.select({ id: projects.id }).from(projects).where(eq(projects.slug, slug));
  if (!project) throw new ApiError("not_found", `no project "${slug}"`);
  return { projectId: project.id, scopes: user.role === "admin" ? ["read", "admin"] : ["read"], user };
}

/** Who may call an endpoint without credentials: nobody, or anyone for a project with public metrics. */
export type Anonymous = "public_metrics";

/**
 * Without credentials, the project the request names if an admin made its GET /metrics public.
 * It holds no scope: only endpoints declared `anonymous: "public_metrics"` ask for it. Unknown
 * and private projects alike give nothing, so the 401 does not tell which projects exist.
 */
async function publicMetricsPrincipal({
  db,
  request,
}: {
  db: Db;
  request: RequestLike;
}): Promise<Principal | undefined> {
  const slug = requestedProjectSlug(request);
  const [project] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.slug, slug), eq(projects.publicMetrics, true)));
  return project ? { projectId: project.id, scopes: [] } : undefined;
}

/**
 * The caller's project and scopes, from an API key, an OAuth token or a dashboard session cookie;
 * 401 without valid credentials, 403 without the scope. Every route handler calls this itself.
 * A request with neither credentials nor a session may still act for a public project where the
 * endpoint allows it (`anonymous`).
 */
export async function authenticate({
  db,
  request,
  scope,
  now,
  anonymous,
}: {
  db: Db;
  request: RequestLike;
  scope: Access;
  now: Date;
  anonymous?: Anonymous;
}): Promise<Principal> {
  const credentials = readCredentials(request.headers);
  const sessionToken = credentials ? undefined : readCookie(request.headers, SESSION_COOKIE);
  let principal: Principal | undefined;
  if (credentials) {
    principal =
      credentials.kind === "key"
        ? await principalForKey(db, credentials.keyId, credentials.secret, now)
        : await principalForToken(db, credentials.token, now);
    if (!principal) throw new ApiError("unauthorized", "invalid, revoked or expired credentials");
  } else if (sessionToken) {
    const user = await sessionUser({ db, token: sessionToken, now });
    if (!user) throw new ApiError("unauthorized", "the session has ended; sign in again");
    assertSameOrigin(request);
    principal = await sessionPrincipal(db, request, user);
  } else {
    const publicProject = anonymous === "public_metrics" ? await publicMetricsPrincipal({ db, request }) : undefined;
    if (publicProject) return publicProject;
    throw new ApiError(
      "unauthorized",
      "missing credentials: send Authorization: Bearer <key_id>:<key_secret> (or an OAuth access token), X-API-Key, or the X-TelemetryFlow-Key-ID/-Secret headers",
    );
  }
  if (!principal.user) {
    // a key acts for its own project only: naming another is refused, not answered for the key's own
    const named = namedProjectSlug(request);
    if (named !== undefined && named !== principal.projectSlug)
      throw new ApiError("forbidden", `this key belongs to project "${principal.projectSlug}", not "${named}"`);
  }
  if (scope === "instance") {
    if (principal.user?.role !== "admin")
      throw new ApiError(
        "forbidden",
        principal.user
          ? `a ${principal.user.role} session may not do this`
          : "accounts, projects and instance settings need a signed-in admin: a key acts only within its project",
      );
    return principal;
  }
  if (!hasScope(principal.scopes, scope)) {
    throw new ApiError(
      "forbidden",
      principal.user ? `a ${principal.user.role} session may not do this` : `this key lacks the "${scope}" scope`,
    );
  }
  return principal;
}
