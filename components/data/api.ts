import type { z } from "zod";
import type { endpoints } from "@/lib/api/endpoints";
import { routeOf, type EndpointName } from "@/lib/api/routes";

// The dashboard's only data source is the REST API: these build its URLs and read its answers,
// the same way on the server (prefetch) and in the browser (react-query). A request names its
// endpoint; its parameters and its answer are typed by that endpoint's declaration.

export type ParamValue = string | number | boolean | null | undefined | readonly string[];

/** `/api/v1/...?a=1&b=2` with empty values left out; repeated parameters for arrays. */
function apiUrl(path: string, params: Record<string, ParamValue> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) for (const item of value) search.append(key, item);
    else search.set(key, String(value));
  }
  const query = search.toString();
  return query ? `${path}?${query}` : path;
}

type Declared = typeof endpoints;
type SchemaKeys<S> = S extends z.ZodObject ? keyof z.input<S> & string : never;

/** Every request may name the project a session reads (a key reads its own). */
type ProjectParam = { project?: string };

export type QueryOf<N extends EndpointName> = { [K in SchemaKeys<Declared[N]["query"]>]?: ParamValue } & ProjectParam;
export type ParamsOf<N extends EndpointName> = { [K in SchemaKeys<Declared[N]["params"]>]: string };
export type AnswerOf<N extends EndpointName> = z.output<Declared[N]["response"]>;
export type BodyOf<N extends EndpointName> = Declared[N] extends { body: infer B extends z.ZodType }
  ? z.input<B>
  : never;

/** The endpoints that answer pages of a list, with the cursor of the next one. */
export type PagedEndpoint = {
  [N in EndpointName]: AnswerOf<N> extends { next_cursor: string | null } ? N : never;
}[EndpointName];

/** One call of an endpoint: its name, and its query and path parameters (the latter only where its path has some). */
export type EndpointRequest<N extends EndpointName> = {
  endpoint: N;
  query?: QueryOf<N>;
} & ([SchemaKeys<Declared[N]["params"]>] extends [never] ? { params?: undefined } : { params: ParamsOf<N> });

/** Any request, as the code that only builds its URL sees it. */
export interface AnyEndpointRequest {
  endpoint: EndpointName;
  query?: Record<string, ParamValue>;
  params?: Record<string, string>;
}

/** A request, typed by its endpoint (TypeScript infers the endpoint from the name). */
export const request = <N extends EndpointName>(endpoint: N, parts: Omit<EndpointRequest<N>, "endpoint">) =>
  ({ endpoint, ...parts }) as EndpointRequest<N>;

/** `/api/v1/traces/{trace_id}` with its parameters filled in, then the query. */
export function endpointUrl(call: AnyEndpointRequest): string {
  const params: Record<string, string> = call.params ?? {};
  const path = routeOf(call.endpoint).path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(params[name] ?? ""),
  );
  return apiUrl(path, call.query ?? {});
}

const apiQueryKey = (url: string) => ["api", url] as const;
/** The react-query key of a request: its URL, so that what the server prefetched is what the browser reads. */
export const endpointKey = (call: AnyEndpointRequest) => apiQueryKey(endpointUrl(call));
/** A list read page after page (endless scroll): the pages live under the first page's URL. */
export const apiPagesQueryKey = (url: string) => ["api-pages", url] as const;

export function pageUrl(url: string, cursor: string | null): string {
  if (!cursor) return url;
  return `${url}${url.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}`;
}

/** What the API said when it refused: the status and the message of its error envelope. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function readApiResponse<T>(response: Response): Promise<T> {
  if (response.status === 204) return null as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiRequestError(
      response.status,
      "bad_response",
      `the server answered ${response.status} with something that is not JSON`,
    );
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiRequestError(
      response.status,
      error?.code ?? "error",
      error?.message ?? `the server answered ${response.status}`,
    );
  }
  return body as T;
}

export async function fetchApi<T>(url: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      credentials: "same-origin",
      ...init,
      headers: { accept: "application/json", ...init?.headers },
    });
  } catch {
    throw new ApiRequestError(0, "unreachable", "the Tracedeck server cannot be reached");
  }
  return readApiResponse<T>(response);
}

/** Calls an endpoint that changes something (POST/PATCH/DELETE), with its JSON body, from the dashboard's own origin. */
export function sendEndpoint<N extends EndpointName>(call: EndpointRequest<N>, body?: BodyOf<N>): Promise<AnswerOf<N>> {
  return fetchApi<AnswerOf<N>>(endpointUrl(call), {
    method: routeOf(call.endpoint).method.toUpperCase(),
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
