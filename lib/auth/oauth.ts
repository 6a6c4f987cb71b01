import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { apiKeys, oauthTokens } from "@/db/schema";
import { getDatabase, type Db } from "@/db";
import { readBody } from "@/lib/http/body";
import { toApiError } from "@/lib/errors";
import { errorStatus } from "@/lib/http/errors";
import { KEY_ID_PREFIX, secretMatches, sha256Hex } from "./keys";
import { Scope } from "./scopes";

// OAuth 2.0 for machine clients: the client-credentials grant (RFC 6749 §4.4), where an API key
// pair is the client id and secret, and token revocation (RFC 7009). Errors here take the shape
// RFC 6749 §5.2 gives them, which OAuth client libraries read.

export const TOKEN_PREFIX = "tfa_";
export const TOKEN_LIFETIME_SECONDS = 3600;

type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "server_error"
  | "temporarily_unavailable";

class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
    readonly status = code === "invalid_client" ? 401 : 400,
  ) {
    super(message);
  }
}

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

function oauthErrorResponse(error: unknown): Response {
  if (!(error instanceof OAuthError)) {
    const api = toApiError(error);
    const status = errorStatus(api);
    // a bad body (size, type) is the client's mistake; anything else is ours
    if (status < 500) error = new OAuthError("invalid_request", api.message, status);
    else error = new OAuthError(status === 503 ? "temporarily_unavailable" : "server_error", api.message, status);
  }
  const e = error as OAuthError;
  const headers: Record<string, string> = { ...NO_STORE };
  if (e.code === "invalid_client") headers["www-authenticate"] = 'Basic realm="tracedeck"';
  return Response.json({ error: e.code, error_description: e.message }, { status: e.status, headers });
}

async function readForm(request: Request): Promise<URLSearchParams> {
  const { bytes } = await readBody(request, {
    maxBytes: 16 * 1024,
    contentTypes: ["application/x-www-form-urlencoded"],
  });
  return new URLSearchParams(bytes.toString("utf8"));
}

/** Client credentials from HTTP Basic (RFC 6749 §2.3.1: each part form-encoded) or from the body. */
function clientCredentials(request: Request, form: URLSearchParams): { clientId: string; clientSecret: string } {
  const authorization = request.headers.get("authorization");
  const basic = authorization ? /^basic\s+(.+)$/i.exec(authorization.trim()) : null;
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new OAuthError("invalid_client", "malformed Basic credentials");
    const decode = (part: string) => {
      try {
        return decodeURIComponent(part.replace(/\+/g, " "));
      } catch {
        throw new OAuthError("invalid_client", "malformed Basic credentials");
      }
    };
    if (form.has("client_secret")) throw new OAuthError("invalid_request", "send the client credentials one way only");
    return { clientId: decode(decoded.slice(0, colon)), clientSecret: decode(decoded.slice(colon + 1)) };
  }
  const clientId = form.get("client_id");
  const clientSecret = form.get("client_secret");
  if (!clientId || !clientSecret)
    throw new OAuthError(
      "invalid_client",
      "client authentication required: HTTP Basic with the key id and secret, or client_id and client_secret",
    );
  return { clientId, clientSecret };
}

async function authenticateClient(db: Db, request: Request, form: URLSearchParams) {
  const { clientId, clientSecret } = clientCredentials(request, form);
  if (!clientId.startsWith(KEY_ID_PREFIX)) throw new OAuthError("invalid_client", "unknown client");
  const [key] = await db
    .select({ id: apiKeys.id, projectId: apiKeys.projectId, secretHash: apiKeys.secretHash, scopes: apiKeys.scopes })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyId, clientId), isNull(apiKeys.revokedAt)));
  if (!key || !secretMatches(clientSecret, key.secretHash))
    throw new OAuthError("invalid_client", "unknown client or wrong secret");
  return key;
}

/** POST /api/oauth/token: an access token for an API key, with the key's scopes or fewer. */
export async function tokenRequest({
  db,
  request,
  now = new Date(),
}: {
  db: Db;
  request: Request;
  now?: Date;
}): Promise<Response> {
  try {
    const form = await readForm(request);
    const key = await authenticateClient(db, request, form);
    const grant = form.get("grant_type");
    if (!grant) throw new OAuthError("invalid_request", "grant_type is required");
    if (grant !== "client_credentials")
      throw new OAuthError("unsupported_grant_type", `grant_type "${grant}" is not supported; use client_credentials`);
    const requested = (form.get("scope") ?? "").split(" ").filter(Boolean);
    const granted = requested.length ? requested : key.scopes;
    for (const scope of granted) {
      if (!Scope.safeParse(scope).success || !key.scopes.includes(scope))
        throw new OAuthError("invalid_scope", `scope "${scope}" is not one this key has (${key.scopes.join(" ")})`);
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    await db.insert(oauthTokens).values({
      projectId: key.projectId,
      apiKeyId: key.id,
      tokenHash: sha256Hex(token),
      scopes: [...new Set(granted)],
      createdAt: now,
      expiresAt: new Date(now.getTime() + TOKEN_LIFETIME_SECONDS * 1000),
    });
    return Response.json(
      {
        access_token: token,
        token_type: "Bearer",
        expires_in: TOKEN_LIFETIME_SECONDS,
        scope: [...new Set(granted)].join(" "),
      },
      { headers: NO_STORE },
    );
  } catch (error) {
    return oauthErrorResponse(error);
  }
}

/** POST /api/oauth/revoke: the client's own token stops working at once; unknown tokens are not an error (RFC 7009 §2.2). */
export async function revokeRequest({
  db,
  request,
  now = new Date(),
}: {
  db: Db;
  request: Request;
  now?: Date;
}): Promise<Response> {
  try {
    const form = await readForm(request);
    const key = await authenticateClient(db, request, form);
    const token = form.get("token");
    if (!token) throw new OAuthError("invalid_request", "token is required");
    await db
      .update(oauthTokens)
      .set({ revokedAt: now })
      .where(
        and(
          eq(oauthTokens.tokenHash, sha256Hex(token)),
          eq(oauthTokens.apiKeyId, key.id),
          isNull(oauthTokens.revokedAt),
        ),
      );
    return new Response(null, { status: 200, headers: NO_STORE });
  } catch (error) {
    return oauthErrorResponse(error);
  }
}

/** A route handler for an OAuth endpoint: the database opened inside, every failure in RFC 6749's shape. */
export function oauthRoute(handler: (args: { db: Db; request: Request }) => Promise<Response>) {
  return async (request: Request): Promise<Response> => {
    try {
      return await handler({ db: (await getDatabase()).db, request });
    } catch (error) {
      return oauthErrorResponse(error);
    }
  };
}
