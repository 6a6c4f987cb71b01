import type { z } from "zod";
import type { Database } from "@/db";
import type { Anonymous } from "@/lib/auth/authenticate";
import type { Ctx } from "@/lib/auth/context";
import type { Access } from "@/lib/auth/scopes";
import { routeOf, type EndpointName, type RouteMethod, type RoutePath } from "./routes";

// What an endpoint declaration is, and the three ways to make one. A declaration names its route,
// its schemas and the service verb that serves it; the verb is typed by those schemas, so a handler
// that answers something its response schema does not describe fails to compile. (The declared
// types are NoInfer: an absent `query` or `params` stays undefined instead of being inferred from
// the table's `satisfies`.)

type Awaitable<T> = T | Promise<T>;
type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What an authenticated endpoint's verb is called with: the parsed path and query, the raw body (verbs validate it item by item). */
export interface ServeArgs<Q = unknown, P = unknown> {
  ctx: Ctx;
  query: Parsed<Q>;
  params: Parsed<P>;
  body: unknown;
  request: Request;
}

/** What an endpoint without credentials (sign-in, first run) is called with. */
export interface PublicServeArgs {
  database: Database;
  body: unknown;
  request: Request;
}

/**
 * JSON the response schema describes, already written out: an answer assembled from JSON texts the database made
 * (a trace's outline) is sent as it is rather than parsed and written again. Checked like any answer in tests.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/** Data the response schema describes, or a Response of the handler's own (another content type, cookies). */
export type Answer<R extends z.ZodType> = z.input<R> | JsonText | Response;

interface Description {
  summary: string;
  /** more than the summary says: shown under it in the OpenAPI document */
  description?: string;
  tag: string;
  /** who may call it without credentials, though it declares a scope */
  anonymous?: Anonymous;
  /**
   * a GET of the read scope whose answer must show what its caller just changed (settings): it reads the
   * primary even when a read replica is configured
   */
  readsPrimary?: boolean;
  /** content types of the body, when not JSON */
  bodyContentTypes?: string[];
  status?: number;
}

export interface Endpoint extends Description {
  name: EndpointName;
  method: "get" | "post" | "patch" | "delete";
  path: string;
  scope: Access | null;
  query?: z.ZodObject;
  params?: z.ZodObject;
  /** documents the request body; the verb validates it */
  body?: z.ZodType;
  response: z.ZodType;
  /** the verb; endpoints answered by code of their own (OTLP, OAuth, health, the OpenAPI document) have none */
  serve?: (args: never) => Awaitable<unknown>;
}

/** An endpoint that a verb serves: what `route()` turns into a route handler. */
export type ServedEndpoint = Endpoint & { serve: (args: never) => Awaitable<unknown> };

export const isServed = (endpoint: Endpoint): endpoint is ServedEndpoint => endpoint.serve !== undefined;

/**
 * Whether an endpoint's verb reads the replica (DATABASE_READ_URL) when one is configured: the query API, GETs
 * with the read scope, but for the few that read settings. Ingest, sign-in, settings and every write stay on the
 * primary, and so does authentication everywhere, so a key works the moment it is created.
 */
export const readsReplica = (endpoint: Endpoint): boolean =>
  endpoint.method === "get" && endpoint.scope === "read" && !endpoint.readsPrimary;

type Declared<N extends EndpointName, S, Q, P, B, R> = Description & {
  name: N;
  method: RouteMethod<N>;
  path: RoutePath<N>;
  scope: S;
  query: Q;
  params: P;
  body: B;
  response: R;
};

/** An endpoint behind credentials with `scope`, served by `serve`. */
export function endpoint<
  N extends EndpointName,
  S extends Access,
  R extends z.ZodType,
  Q extends z.ZodObject | undefined = undefined,
  P extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(
  name: N,
  declaration: Description & {
    scope: S;
    query?: Q;
    params?: P;
    body?: B;
    response: R;
    serve: (args: ServeArgs<Q, P>) => Awaitable<Answer<R>>;
  },
): Declared<N, S, NoInfer<Q>, NoInfer<P>, NoInfer<B>, R> & { serve: (args: ServeArgs<Q, P>) => Awaitable<Answer<R>> } {
  const { query, params, body } = declaration;
  return { ...declaration, ...routeOf(name), name, query: query as Q, params: params as P, body: body as B };
}

/** An endpoint without credentials (sign-in, first run), served by `serve`. */
export function publicEndpoint<
  N extends EndpointName,
  R extends z.ZodType,
  B extends z.ZodType | undefined = undefined,
>(
  name: N,
  declaration: Description & { body?: B; response: R; serve: (args: PublicServeArgs) => Awaitable<Answer<R>> },
): Declared<N, null, undefined, undefined, NoInfer<B>, R> & { serve: (args: PublicServeArgs) => Awaitable<Answer<R>> } {
  const body = declaration.body as B;
  return { ...declaration, ...routeOf(name), name, scope: null, query: undefined, params: undefined, body };
}

/** An endpoint answered by code of its own; declared here so the OpenAPI document describes it. */
export function documented<
  N extends EndpointName,
  S extends Access | null,
  R extends z.ZodType,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(
  name: N,
  declaration: Description & { scope: S; query?: Q; body?: B; response: R },
): Declared<N, S, NoInfer<Q>, undefined, NoInfer<B>, R> {
  const { query, body } = declaration;
  return { ...declaration, ...routeOf(name), name, query: query as Q, params: undefined, body: body as B };
}
