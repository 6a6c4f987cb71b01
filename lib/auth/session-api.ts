import { getDatabase, type Database } from "@/db";
import { ApiError } from "@/lib/errors";
import { readCookie, requestOrigin } from "./authenticate";
import { assertNotThrottled, clearFailures, recordFailure } from "./throttle";
import {
  Credentials,
  createFirstAdmin,
  SESSION_COOKIE,
  SESSION_DAYS,
  sessionUser,
  signIn,
  signOut,
  userCount,
  type SessionUser,
} from "./users";

// Sign-in, first-run setup and sign-out over HTTP: the session travels in an HttpOnly,
// SameSite=Lax cookie, Secure when the site is served over https.

function cookie(request: Request, value: string, maxAgeSeconds: number): string {
  const https = new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${https ? "; Secure" : ""}`;
}

/** Sign-in and setup from another site's page are refused (login CSRF); scripts send no Origin. */
function assertNotCrossSite(request: Request): void {
  if (requestOrigin(request) === "other") throw new ApiError("forbidden", "cross-origin request refused");
}

const withSession = (request: Request, body: unknown, token: string, status = 200) =>
  Response.json(body, { status, headers: { "set-cookie": cookie(request, token, SESSION_DAYS * 86_400) } });

export async function setupRequest({
  database,
  request,
  body,
}: {
  database: Database;
  request: Request;
  body: unknown;
}): Promise<Response> {
  assertNotCrossSite(request);
  const { user, token } = await createFirstAdmin({ db: database.db, input: body, now: new Date() });
  return withSession(request, { user }, token, 201);
}

export async function loginRequest({
  database,
  request,
  body,
}: {
  database: Database;
  request: Request;
  body: unknown;
}): Promise<Response> {
  assertNotCrossSite(request);
  const { email } = Credentials.pick({ email: true }).parse(body);
  const address = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim() ?? "unknown";
  const key = `${email}|${address}`;
  const now = Date.now();
  assertNotThrottled(key, now);
  try {
    const { user, token } = await signIn({ db: database.db, input: body, now: new Date(now) });
    clearFailures(key);
    return withSession(request, { user }, token);
  } catch (error) {
    if (error instanceof ApiError && error.code === "unauthorized") recordFailure(key, now);
    throw error;
  }
}

export async function logoutRequest({
  database,
  request,
}: {
  database: Database;
  request: Request;
}): Promise<Response> {
  assertNotCrossSite(request);
  const token = readCookie(request.headers, SESSION_COOKIE);
  if (token) await signOut({ db: database.db, token });
  return new Response(null, { status: 204, headers: { "set-cookie": cookie(request, "", 0) } });
}

export async function meRequest({
  database,
  request,
}: {
  database: Database;
  request: Request;
}): Promise<{ user: SessionUser | null; setup_required: boolean }> {
  const token = readCookie(request.headers, SESSION_COOKIE);
  const user = token ? await sessionUser({ db: database.db, token, now: new Date() }) : undefined;
  return { user: user ?? null, setup_required: user ? false : (await userCount(database.db)) === 0 };
}

/** The dashboard's view of a request's session cookie value: who, or what to do instead. */
export async function dashboardSession(
  token: string | undefined,
): Promise<{ user: SessionUser } | { redirect: "/setup" | "/login" }> {
  const database = await getDatabase();
  const user = token ? await sessionUser({ db: database.db, token, now: new Date() }) : undefined;
  if (user) return { user };
  return { redirect: (await userCount(database.db)) === 0 ? "/setup" : "/login" };
}
