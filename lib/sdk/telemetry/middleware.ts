import type { IncomingMessage, ServerResponse } from "node:http";
import { TraceContext, W3CTracePropagator } from "../context";
import type { TelemetryClient } from "./client";
import { SpanKind } from "./records";

// Request tracing for servers (Next.js route handlers, Node's http and Express) and for outgoing
// fetch calls, with W3C trace context carried across both.

const propagator = new W3CTracePropagator();

export interface ServerTracingOptions {
  /** paths (exact, or ending in `*` for a prefix) that are not traced, e.g. health checks */
  excludedPaths?: string[];
  recordRequestDuration?: boolean;
  recordRequestCount?: boolean;
  recordErrorCount?: boolean;
  /** a span name for the request; default "<METHOD> <path>" */
  spanName?: (method: string, path: string) => string;
}

const excluded = (path: string, patterns: string[] = []) =>
  patterns.some((p) => (p.endsWith("*") ? path.startsWith(p.slice(0, -1)) : path === p));

/** Records the request's RED metrics and ends its span. */
function finishServerSpan(
  client: TelemetryClient,
  spanId: string,
  options: ServerTracingOptions,
  attrs: { method: string; route: string },
  status: number | undefined,
  startedAt: number,
  error?: unknown,
) {
  const failed = error !== undefined || (status !== undefined && status >= 500);
  if (status !== undefined) client.setSpanAttributes(spanId, { "http.response.status_code": status });
  if (failed && error === undefined) client.setSpanStatus(spanId, "error", `HTTP ${status}`);
  client.endSpan(spanId, error);
  const labels = {
    "http.request.method": attrs.method,
    "http.route": attrs.route,
    ...(status !== undefined ? { "http.response.status_code": status } : {}),
  };
  if (options.recordRequestDuration !== false)
    client.recordHistogram("http.server.request.duration", (performance.now() - startedAt) / 1000, "s", labels);
  if (options.recordRequestCount !== false) client.incrementCounter("http.server.requests", 1, labels);
  if (failed && options.recordErrorCount !== false) client.incrementCounter("http.server.errors", 1, labels);
}

/**
 * Wraps a Next.js route handler: each request becomes a SERVER span, a child of the caller's
 * `traceparent`, active while the handler runs.
 */
export function traceRouteHandler<C>(
  client: TelemetryClient,
  handler: (request: Request, context: C) => Response | Promise<Response>,
  options: ServerTracingOptions = {},
) {
  return async (request: Request, context: C): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (!client.isInitialized() || excluded(path, options.excludedPaths)) return handler(request, context);
    const name = options.spanName?.(request.method, path) ?? `${request.method} ${path}`;
    const spanId = client.startSpan(
      name,
      SpanKind.SERVER,
      { "http.request.method": request.method, "url.path": path, "url.full": request.url },
      propagator.extract(request.headers),
    );
    const startedAt = performance.now();
    try {
      const response = await TraceContext.run(client.spanContext(spanId)!, () => handler(request, context));
      finishServerSpan(client, spanId, options, { method: request.method, route: path }, response.status, startedAt);
      return response;
    } catch (error) {
      finishServerSpan(client, spanId, options, { method: request.method, route: path }, undefined, startedAt, error);
      throw error;
    }
  };
}

interface IncomingLike {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  route?: { path?: string };
}

interface OutgoingLike {
  statusCode: number;
  on(event: "finish" | "close", listener: () => void): unknown;
  writableFinished?: boolean;
}

/**
 * Middleware for Node's http server and Express (`app.use(httpMiddleware(client))`): each request
 * is a SERVER span, active for the handlers that follow, ended when the response is finished.
 */
export function httpMiddleware(client: TelemetryClient, options: ServerTracingOptions = {}) {
  return (req: IncomingLike, res: OutgoingLike, next: (error?: unknown) => void): void => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";
    if (!client.isInitialized() || excluded(path, options.excludedPaths)) return next();
    const name = options.spanName?.(method, path) ?? `${method} ${path}`;
    const spanId = client.startSpan(
      name,
      SpanKind.SERVER,
      { "http.request.method": method, "url.path": path },
      propagator.extract(req.headers),
    );
    const startedAt = performance.now();
    let ended = false;
    const end = (error?: unknown) => {
      if (ended) return;
      ended = true;
      // Express sets req.route once a route matched: a lower-cardinality name than the path
      finishServerSpan(
        client,
        spanId,
        options,
        { method, route: req.route?.path ?? path },
        error ? undefined : res.statusCode,
        startedAt,
        error,
      );
    };
    res.on("finish", () => end());
    res.on("close", () => {
      if (!res.writableFinished) end(new Error("the connection closed before the response was sent"));
    });
    TraceContext.run(client.spanContext(spanId)!, () => next());
  };
}

/** A Node http request listener with tracing: `http.createServer(tracedHandler(client, handler))`. */
export function tracedHandler(
  client: TelemetryClient,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options?: ServerTracingOptions,
) {
  const middleware = httpMiddleware(client, options);
  return (req: IncomingMessage, res: ServerResponse) => middleware(req, res, () => handler(req, res));
}

/**
 * A fetch that records each call as a CLIENT span (a child of the active span) and sends the
 * span's `traceparent` along, so the server's spans join the same trace.
 */
export function instrumentFetch(client: TelemetryClient, fetchImpl: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    if (!client.isInitialized()) return fetchImpl(input, init);
    const request = new Request(input, init);
    const url = new URL(request.url);
    const spanId = client.startSpan(`${request.method} ${url.host}`, SpanKind.CLIENT, {
      "http.request.method": request.method,
      "url.full": `${url.origin}${url.pathname}`,
      "server.address": url.hostname,
      ...(url.port ? { "server.port": Number(url.port) } : {}),
    });
    const headers = new Headers(request.headers);
    propagator.inject(headers, client.spanContext(spanId));
    try {
      const response = await fetchImpl(new Request(request, { headers }));
      client.setSpanAttributes(spanId, { "http.response.status_code": response.status });
      // a client span fails on 4xx as well (OpenTelemetry's HTTP conventions)
      if (response.status >= 400) client.setSpanStatus(spanId, "error", `HTTP ${response.status}`);
      client.endSpan(spanId);
      return response;
    } catch (error) {
      client.endSpan(spanId, error);
      throw error;
    }
  };
}

/** Traces every fetch of the process until the returned function is called. */
export function installFetchInstrumentation(client: TelemetryClient): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = instrumentFetch(client, original);
  return () => {
    globalThis.fetch = original;
  };
}
