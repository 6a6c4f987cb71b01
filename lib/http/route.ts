import { z } from "zod";
import { cancelledWith, getAppDatabase, getDatabase } from "@/db";
import { JsonText, readsReplica, type PublicServeArgs, type ServedEndpoint } from "@/lib/api/endpoint";
import { authenticate, type Anonymous } from "@/lib/auth/authenticate";
import type { Ctx } from "@/lib/auth/context";
import type { Access } from "@/lib/auth/scopes";
import { config } from "@/lib/config";
import { whileAnswering } from "@/lib/ingest/outage";
import { ingestAdmission, bodySize } from "./admission";
import { discardBody, readJson } from "./body";
import { ApiError, describeZodError, toApiError, zodDetails } from "@/lib/errors";
import { errorResponse } from "./errors";

/** Sign-in and first-run bodies are a few fields: a small cap before any account exists. */
const PUBLIC_BODY_BYTES = 64 * 1024;

type RouteContext = { params?: Promise<Record<string, string | string[]>> };

function searchParamsObject(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

/** A NUL character: no text column holds one, and no name or id of Tracedeck's has one. */
const NUL = "\u0000";

function parseParameters(
  schema: z.ZodType | undefined,
  input: Record<string, string | string[]>,
  where: string,
): unknown {
  if (!schema) return undefined;
  for (const [name, value] of Object.entries(input)) {
    if ((Array.isArray(value) ? value : [value]).some((v) => v.includes(NUL))) {
      const message = "must not contain NUL characters";
      throw new ApiError("validation_failed", `invalid ${where} parameter: ${name}: ${message}`, [
        { path: name, message },
      ]);
    }
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ApiError(
      "validation_failed",
      `invalid ${where} parameter: ${describeZodError(parsed.error)}`,
      zodDetails(parsed.error),
    );
  }
  return parsed.data;
}

/**
 * A place among the ingest requests taken in (lib/http/admission.ts), for one that is about to read its body;
 * answers how to give it back. Refused, what the client is sending is read and dropped before the 429 goes out,
 * so that it reads the answer instead of a reset connection.
 */
export async function admitIngest(request: Request): Promise<() => void> {
  try {
    return ingestAdmission().enter(bodySize(request.headers));
  } catch (error) {
    await discardBody(request);
    throw error;
  }
}

/**
 * Opens the database and authenticates the request: the context a service verb acts in, on the primary.
 * (Credentials are always read there, so a key or a session works the moment it is created.)
 */
export async function authenticatedContext(request: Request, scope: Access, anonymous?: Anonymous): Promise<Ctx> {
  const database = await getDatabase();
  const check = () => authenticate({ db: database.db, request, scope, now: new Date(), anonymous });
  // an ingest client learns of a database gone silent within seconds, not when its exporter gives up
  const principal = await (scope === "ingest" ? whileAnswering(database, check) : check());
  return {
    database,
    db: database.db,
    projectId: principal.projectId,
    scopes: principal.scopes,
    user: principal.user,
    now: () => new Date(),
  };
}

/**
 * Runs an endpoint's verb where it reads. A query endpoint's (`readsReplica`) reads the read replica while one is
 * configured and current (retried on the primary if the replica turns out unreachable), else the primary's query
 * pool, whose statements time out; its statements are cancelled when the client goes away. Any other endpoint runs
 * on the primary's main pool.
 */
async function serveIn(
  endpoint: ServedEndpoint,
  ctx: Ctx,
  request: Request,
  serve: (ctx: Ctx) => unknown,
): Promise<unknown> {
  if (!readsReplica(endpoint)) return serve(ctx);
  const { reads, replica } = await getAppDatabase();
  return cancelledWith(request.signal, async () =>
    replica ? replica.read(async (db) => serve({ ...ctx, db })) : serve({ ...ctx, db: reads.db }),
  );
}

/**
 * An endpoint's answer checked against its response schema (in development and tests): a handler
 * that answers what the schema does not describe fails loudly instead of drifting from the
 * OpenAPI document and the dashboard's types.
 */
function checkAnswer(endpoint: ServedEndpoint, answer: unknown): void {
  const checked = endpoint.response.safeParse(answer);
  if (!checked.success) {
    throw new Error(
      `the answer of ${endpoint.name} does not match its response schema: ${describeZodError(checked.error)}`,
    );
  }
}

/** Answers this long (in UTF-16 units) are made of megabytes of text that is garbage once sent. */
const LARGE_ANSWER = 2 * 2 ** 20;

/**
 * After an answer of megabytes, the garbage of making it (and of the ones before) is collected at once, in the
 * background, instead of when V8's heap has about doubled: a long trace's outline pages would otherwise hold
 * hundreds of megabytes of it in the server between collections. Needs Node's --expose-gc, which the production
 * server has (scripts/serve-command.ts); without it, nothing happens.
 */
function collectAfterLargeAnswer(): void {
  const gc = (globalThis as { gc?: (options: { type: "major"; execution: "async" }) => unknown }).gc;
  if (gc) setImmediate(() => void gc({ type: "major", execution: "async" }));
}

function answer(endpoint: ServedEndpoint, result: unknown): Response {
  if (result instanceof Response) return result;
  if (result instanceof JsonText) {
    if (result.text.length >= LARGE_ANSWER) collectAfterLargeAnswer();
    if (config().checkAnswers) checkAnswer(endpoint, JSON.parse(result.text));
    return new Response(result.text, {
      status: endpoint.status ?? 200,
      headers: { "content-type": "application/json" },
    });
  }
  if (endpoint.status === 204) return new Response(null, { status: 204 });
  if (config().checkAnswers) checkAnswer(endpoint, result);
  return Response.json(result, { status: endpoint.status ?? 200 });
}

/**
 * The one wrapper every API route handler uses: authentication and scope (or none, for sign-in
 * and first run), path, query and body parsing with the endpoint's schemas, the endpoint's verb,
 * and the error envelope. The verb answers data (sent as JSON) or a Response.
 */
export function route(endpoint: ServedEndpoint) {
  return async (request: Request, context?: RouteContext): Promise<Response> => {
    try {
      if (endpoint.scope === null) {
        const database = await getDatabase();
        const body = endpoint.body ? await readJson(request, PUBLIC_BODY_BYTES) : undefined;
        const serve = endpoint.serve as (args: PublicServeArgs) => unknown;
        return answer(endpoint, await serve({ database, body, request }));
      }
      const ctx = await authenticatedContext(request, endpoint.scope, endpoint.anonymous);

      const rawParams = (await context?.params) ?? {};
      // Next.js hands path parameters over decoded
      const params = parseParameters(
        endpoint.params,
        Object.fromEntries(Object.entries(rawParams).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v])),
        "path",
      );
      const query = parseParameters(endpoint.query, searchParamsObject(new URL(request.url)), "query");
      const leave = endpoint.scope === "ingest" && endpoint.body ? await admitIngest(request) : undefined;
      try {
        const body = endpoint.body ? await readJson(request, config().maxBodyBytes) : undefined;
        const serve = endpoint.serve as (args: {
          ctx: Ctx;
          query: unknown;
          params: unknown;
          body: unknown;
          request: Request;
        }) => unknown;
        return answer(
          endpoint,
          await serveIn(endpoint, ctx, request, (ctx) => serve({ ctx, query, params, body, request })),
        );
      } finally {
        leave?.();
      }
    } catch (error) {
      return errorResponse(toApiError(error));
    }
  };
}
