import { z } from "zod";
import { getDatabase, type Database } from "@/db";
import type { Endpoint } from "@/lib/api/endpoints";
import { authenticate, type Anonymous } from "@/lib/auth/authenticate";
import type { Ctx } from "@/lib/auth/context";
import type { Scope } from "@/lib/auth/scopes";
import { config } from "@/lib/config";
import { readJson } from "./body";
import { ApiError, describeZodError, toApiError, zodDetails } from "@/lib/errors";
import { errorResponse } from "./errors";

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

interface HandlerArgs<E extends Endpoint> {
  ctx: Ctx;
  query: Output<E["query"]>;
  params: Output<E["params"]>;
  body: unknown;
  request: Request;
}

type RouteContext = { params?: Promise<Record<string, string | string[]>> };

function searchParamsObject(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

function parseParameters(schema: z.ZodType | undefined, input: unknown, where: string): unknown {
  if (!schema) return undefined;
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

/** Opens the database and authenticates the request: the context a service verb acts in. */
export async function authenticatedContext(request: Request, scope: Scope, anonymous?: Anonymous): Promise<Ctx> {
  const database = await getDatabase();
  const principal = await authenticate({ db: database.db, request, scope, now: new Date(), anonymous });
  return { database, db: database.db, projectId: principal.projectId, scopes: principal.scopes, now: () => new Date() };
}

/**
 * The one wrapper every API route handler uses: authentication and scope, path, query and body
 * parsing with the endpoint's schemas, and the error envelope. A handler returns data (sent as
 * JSON) or a Response.
 */
export function route<E extends Endpoint & { scope: Scope }>(
  endpoint: E,
  handler: (args: HandlerArgs<E>) => Promise<unknown> | unknown,
) {
  return async (request: Request, context?: RouteContext): Promise<Response> => {
    try {
      const ctx = await authenticatedContext(request, endpoint.scope, endpoint.anonymous);

      const rawParams = (await context?.params) ?? {};
      // Next.js hands path parameters over decoded
      const params = parseParameters(
        endpoint.params,
        Object.fromEntries(Object.entries(rawParams).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v])),
        "path",
      );
      const query = parseParameters(endpoint.query, searchParamsObject(new URL(request.url)), "query");
      const body = endpoint.body ? await readJson(request, config().maxBodyBytes) : undefined;

      const result = await handler({ ctx, query: query as never, params: params as never, body, request });
      if (result instanceof Response) return result;
      return endpoint.status === 204
        ? new Response(null, { status: 204 })
        : Response.json(result, { status: endpoint.status ?? 200 });
    } catch (error) {
      return errorResponse(toApiError(error));
    }
  };
}

/** Endpoints without credentials (sign-in, setup): the same body parsing and error envelope. */
export function publicRoute<E extends Endpoint & { scope: null }>(
  endpoint: E,
  handler: (args: { database: Database; body: unknown; request: Request }) => Promise<unknown> | unknown,
) {
  return async (request: Request): Promise<Response> => {
    try {
      const database = await getDatabase();
      const body = endpoint.body ? await readJson(request, 64 * 1024) : undefined;
      const result = await handler({ database, body, request });
      return result instanceof Response ? result : Response.json(result, { status: endpoint.status ?? 200 });
    } catch (error) {
      return errorResponse(toApiError(error));
    }
  };
}
