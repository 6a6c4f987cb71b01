import type * as Api from "@opentelemetry/api";

// OpenTelemetry interop. When @opentelemetry/api is installed (an optional peer) this SDK and OpenTelemetry share
// one current span: a span either starts becomes the parent of what the other starts inside it, so a service
// instrumented by OpenTelemetry (auto-instrumentation of http, databases, …) and by this SDK yields one trace.
// OpenTelemetry's active context is read through its API, whatever its context manager; this SDK's spans are made
// active there with context.with(), which takes effect where OpenTelemetry's SDK registered a context manager.

/** The span context OpenTelemetry has active, in this SDK's terms. */
export interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  /** the tracestate header's value, if any */
  traceState: string | undefined;
  isRemote: boolean;
}

let api: typeof Api | undefined;
/**
 * The API's context and trace singletons, and its empty root context, kept at load: `api.context` and `api.trace`
 * are getters on the CommonJS exports, and activeOtelSpan runs on every span this SDK starts.
 */
let contextApi: typeof Api.context | undefined;
let traceApi: typeof Api.trace | undefined;
let rootContext: Api.Context | undefined;

// loaded at once and in the background: a module cannot wait for an optional import before its first use
void import("@opentelemetry/api").then(
  (loaded) => {
    // from an ES module, a CommonJS package's exports may sit on `default`
    const named = loaded as Partial<typeof Api> & { default?: Partial<typeof Api> };
    api = (typeof named.trace?.getSpanContext === "function" ? named : { ...named.default, ...named }) as typeof Api;
    contextApi = api.context;
    traceApi = api.trace;
    rootContext = api.ROOT_CONTEXT;
  },
  () => {
    // not installed: nothing to share
  },
);

/** Resolves once the optional import is settled (for tests and for code that must see OpenTelemetry at once). */
export async function openTelemetryLoaded(): Promise<boolean> {
  for (let i = 0; i < 100 && !api; i++) await new Promise((resolve) => setImmediate(resolve));
  return api !== undefined;
}

/** OpenTelemetry's active span, when there is a valid one. */
export function activeOtelSpan(): OtelSpanContext | undefined {
  if (!contextApi || !traceApi) return undefined;
  const active = contextApi.active();
  // the root context holds no span: the common case, outside any OpenTelemetry span or without its context manager
  if (active === rootContext) return undefined;
  const context = traceApi.getSpanContext(active);
  if (!context || !traceApi.isSpanContextValid(context)) return undefined;
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    traceFlags: context.traceFlags,
    traceState: context.traceState?.serialize() || undefined,
    isRemote: context.isRemote ?? false,
  };
}

/** Runs `fn` with the span active in OpenTelemetry's context too (a no-op without @opentelemetry/api). */
export function withOtelSpan<R>(
  span: { traceId: string; spanId: string; traceFlags: number; traceState?: string },
  fn: () => R,
): R {
  if (!api) return fn();
  const active = api.context.active();
  const current = api.trace.getSpanContext(active);
  if (current?.spanId === span.spanId && current.traceId === span.traceId) return fn();
  return api.context.with(
    api.trace.setSpanContext(active, {
      traceId: span.traceId,
      spanId: span.spanId,
      traceFlags: span.traceFlags,
      isRemote: false,
      ...(span.traceState && typeof api.createTraceState === "function"
        ? { traceState: api.createTraceState(span.traceState) }
        : {}),
    }),
    fn,
  );
}
