import { z } from "zod";
import { getDatabase } from "@/db";
import { authenticate } from "@/lib/auth/authenticate";
import type { Ctx } from "@/lib/auth/context";
import type { Scope } from "@/lib/auth/scopes";
import { config } from "@/lib/config";
import { readJson } from "./body";
import { ApiError, describeZodError, errorResponse, toApiError, zodDetails } from "./errors";

interface RouteOptions<Q extends z.ZodType | undefined> {
  scope: Scope;
  /** query-string schema; invalid parameters answer 400 naming the parameter */
  query?: Q;
  /** read the body as JSON (gzip/deflate accepted, size capped) */
  body?: "json";
}

interface HandlerArgs<Q> {
  ctx: Ctx;
  query: Q;
  body: unknown;
  params: Record<string, string>;
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

/**
 * The one wrapper every API route handler uses: authentication and scope, query and body
 * parsing, and the error envelope. A handler returns data (sent as JSON) or a Response.
 */
export function route<Q extends z.ZodType | undefined = undefined>(
  options: RouteOptions<Q>,
  handler: (args: HandlerArgs<Q extends z.ZodType ? z.output<Q> : undefined>) => Promise<unknown> | unknown,
) {
  return async (request: Request, context?: RouteContext): Promise<Response> => {
    try {
      const database = await getDatabase();
      const now = new Date();
      const principal = await authenticate({ db: database.db, headers: request.headers, scope: options.scope, now });
      const ctx: Ctx = { database, db: database.db, projectId: principal.projectId, scopes: principal.scopes, now: () => new Date() };

      let query: unknown;
      if (options.query) {
        const parsed = options.query.safeParse(searchParamsObject(new URL(request.url)));
        if (!parsed.success) {
          throw new ApiError("validation_failed", `invalid query parameter: ${describeZodError(parsed.error)}`, zodDetails(parsed.error));
        }
        query = parsed.data;
      }
      const body = options.body === "json" ? await readJson(request, config().maxBodyBytes) : undefined;
      const rawParams = (await context?.params) ?? {};
      const params = Object.fromEntries(Object.entries(rawParams).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v]));

      const result = await handler({ ctx, query: query as never, body, params, request });
      return result instanceof Response ? result : Response.json(result);
    } catch (error) {
      return errorResponse(toApiError(error));
    }
  };
}
