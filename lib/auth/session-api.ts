import { setTimeout as sleep } from "node:timers/promises";
import { getDatabase, type Database } from "@/db";
import { config } from "@/lib/config";
import { ApiError } from "@/lib/errors";
import { readCookie, requestOrigin } from "./authenticate";
import { clientAddress, trustedProxies, type TrustedProxies } from "./client-address";
import type { Ctx } from "./context";
import { passwordThrottle } from "./throttle";
import {
  changePassword,
  Credentials,
  createFirstAdmin,
  PasswordChange,
  SESSION_COOKIE,
  SESSION_DAYS,
  sessionUser,
  signIn,
  signOut,
  userCount,
  type SessionUser,
} from "./users";

// Sign-in, first-run setup, sign-out and password changes over HTTP: the session travels in an HttpOnly,
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

let trusted: TrustedProxies | undefined;

/**
 * Checks a password under the throttle (lib/auth/throttle.ts): the client's address may be refused (429), and the
 * account's recent failures make the check wait first. `isWrong` tells a wrong password from other refusals.
 */
async function throttled<T>(
  request: Request,
  account: string,
  isWrong: (error: unknown) => boolean,
  check: () => Promise<T>,
): Promise<T> {
  trusted ??= trustedProxies(config().trustedProxies);
  const address = clientAddress(request.headers, trusted);
  const attempt = passwordThrottle.begin({ account, address, now: Date.now() });
  try {
    if (attempt.delayMs > 0) await sleep(attempt.delayMs);
    const result = await check();
    attempt.succeeded();
    return result;
  } catch (error) {
    if (isWrong(error)) attempt.failed();
    else attempt.abandoned();
    throw error;
  }
}

const isApiError = (code: ApiError["code"]) => (error: unknown) => error instanceof ApiError && error.code === code;

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
  const { user, token } = await throttled(request, email, isApiError("unauthorized"), () =>
    signIn({ db: database.db, input: body, now: new Date() }),
  );
  return withSession(request, { user }, token);
}

/**
 * A signed-in user changes their own password: the current one is required (and guessing it is throttled as
 * sign-in is), every session of the account ends, and this one is replaced by a fresh session.
 */
export async function changePasswordRequest({
  ctx,
  request,
  body,
}: {
  ctx: Ctx;
  request: Request;
  body: unknown;
}): Promise<Response> {
  const user = ctx.user;
  if (!user) throw new ApiError("forbidden", "only a signed-in account has a password to change; keys have none");
  const input = PasswordChange.parse(body);
  const { token } = await throttled(request, user.email, isApiError("forbidden"), () =>
    changePassword({ db: ctx.db, userId: user.id, input, now: ctx.now() }),
  );
  return withSession(request, { user }, token);
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
