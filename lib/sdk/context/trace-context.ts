// AsyncLocalStorage is the Node counterpart of Python's contextvars: one current trace per async
// execution, carried through awaits, timers and callbacks without being passed by hand.
import { AsyncLocalStorage } from "node:async_hooks";
import { activeOtelSpan, withOtelSpan, type OtelSpanContext } from "./opentelemetry";
import { TraceState } from "./trace-state";

/** Bit 0 of `traceFlags`: the caller recorded this trace, so downstream services should too. */
export const SAMPLED_FLAG = 0x01;
/**
 * Bit 1 of `traceFlags` (Level 2): at least the right-most 7 bytes of the trace id are random, so
 * downstream services may sample or shard on them. It travels unchanged with the trace id.
 */
export const RANDOM_FLAG = 0x02;
/** The flags Level 2 defines; it reserves the other bits, which senders must set to zero. */
const KNOWN_FLAGS = SAMPLED_FLAG | RANDOM_FLAG;

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const INVALID_TRACE_ID = "0".repeat(32);
const INVALID_SPAN_ID = "0".repeat(16);
/** The version we write; readers of any later version still understand its first four fields. */
const TRACEPARENT_VERSION = "00";
/**
 * The four fields every version shares, 55 characters in all. Anything after them must start
 * with `-`: a later version may add fields there, version 00 may not (checked separately).
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/s;
/** Optional whitespace (OWS) that HTTP allows around a header value: spaces and tabs. */
const SURROUNDING_OWS = /^[ \t]+|[ \t]+$/g;

export interface TraceContextFields {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** Defaults to 0: not sampled, trace id not known to be random. */
  traceFlags?: number;
  traceState?: TraceState;
  /** True when the context came from another process (a parsed header). */
  isRemote?: boolean;
}

/**
 * What `run` and `set` store: a new object each time, never the context itself. AsyncLocalStorage's
 * `run` enters no new scope when handed the store that is already current, so `run(TraceContext.get(), fn)`
 * would let a `set` inside `fn` change the caller's context; a fresh object always gets its own scope.
 */
interface Scope {
  readonly ctx: TraceContext | undefined;
  /**
   * OpenTelemetry's active span when this scope began (opentelemetry.ts): while it is still the active one, `ctx`
   * is the current span; once OpenTelemetry has another, that span started inside this scope and is current.
   */
  readonly otelSpanId: string | undefined;
}

const storage = new AsyncLocalStorage<Scope>();

/** Marks contexts built from ids this module generated. */
const GENERATED = Symbol("generated ids");

/**
 * Where the current operation sits in a distributed trace, as W3C Trace Context describes it.
 * Immutable: `child()` and `withTraceState()` return new contexts, so a context handed to
 * concurrent work can be shared safely.
 */
export class TraceContext {
  /** 32 lowercase hex characters, shared by every span of the trace. */
  readonly traceId: string;
  /** 16 lowercase hex characters identifying the current span. */
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  /**
   * The flags as received or given, unknown bits included; `toTraceparent` sends only
   * `SAMPLED_FLAG` and `RANDOM_FLAG`.
   */
  readonly traceFlags: number;
  readonly traceState: TraceState;
  readonly isRemote: boolean;

  /** Throws a `RangeError` for ids or flags that no traceparent header could carry. */
  constructor(fields: TraceContextFields, checked?: typeof GENERATED) {
    const { traceId, spanId, parentSpanId, traceFlags = 0, traceState = TraceState.empty, isRemote = false } = fields;
    // ids this module generated are valid by construction: new spans skip the checks
    if (checked !== GENERATED) TraceContext.check(traceId, spanId, parentSpanId, traceFlags);
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId;
    this.traceFlags = traceFlags;
    this.traceState = traceState;
    this.isRemote = isRemote;
    Object.freeze(this);
  }

  private static check(traceId: string, spanId: string, parentSpanId: string | undefined, traceFlags: number): void {
    if (!TRACE_ID.test(traceId) || traceId === INVALID_TRACE_ID)
      throw new RangeError(`invalid trace id: ${JSON.stringify(traceId)}`);
    if (!SPAN_ID.test(spanId) || spanId === INVALID_SPAN_ID)
      throw new RangeError(`invalid span id: ${JSON.stringify(spanId)}`);
    if (parentSpanId !== undefined && (!SPAN_ID.test(parentSpanId) || parentSpanId === INVALID_SPAN_ID)) {
      throw new RangeError(`invalid parent span id: ${JSON.stringify(parentSpanId)}`);
    }
    if (!Number.isInteger(traceFlags) || traceFlags < 0 || traceFlags > 0xff)
      throw new RangeError(`invalid trace flags: ${traceFlags}`);
  }

  get sampled(): boolean {
    return (this.traceFlags & SAMPLED_FLAG) !== 0;
  }

  /**
   * Starts a new trace with random ids. Every byte of the trace id is random, so the random flag
   * is set: flags `03` when sampled, `02` when not.
   */
  static newRoot({ sampled = true }: { sampled?: boolean } = {}): TraceContext {
    return new TraceContext(
      { traceId: randomId(16), spanId: randomId(8), traceFlags: RANDOM_FLAG | (sampled ? SAMPLED_FLAG : 0) },
      GENERATED,
    );
  }

  /** A new span in the same trace whose parent is this span; flags and trace state carry over. */
  child(): TraceContext {
    return new TraceContext(
      {
        traceId: this.traceId,
        spanId: randomId(8),
        parentSpanId: this.spanId,
        traceFlags: this.traceFlags,
        traceState: this.traceState,
      },
      GENERATED,
    );
  }

  /** The same span with other vendor entries, e.g. `ctx.withTraceState(ctx.traceState.set("vendor", "v"))`. */
  withTraceState(traceState: TraceState): TraceContext {
    return new TraceContext({ ...this, traceState });
  }

  /**
   * The `traceparent` header value, always in version 00, the version this code writes. Flags
   * other than sampled and random are cleared: the spec reserves them and tells vendors to send
   * them as zero, whatever the caller sent.
   */
  toTraceparent(): string {
    const flags = (this.traceFlags & KNOWN_FLAGS).toString(16).padStart(2, "0");
    return `${TRACEPARENT_VERSION}-${this.traceId}-${this.spanId}-${flags}`;
  }

  /**
   * Reads a `traceparent` header sent by another service. The result is remote and its `spanId`
   * is the caller's span: call `child()` for the span this service records.
   *
   * Returns `undefined` for anything the spec says to ignore (the caller then starts a new
   * trace): version `ff`, uppercase hex, all-zero ids, a version 00 header that is not exactly
   * 55 characters, or a later version whose flags are followed by anything but `-`. Fields a
   * later version adds are ignored.
   */
  static fromTraceparent(header: string, traceState: TraceState = TraceState.empty): TraceContext | undefined {
    const value = header.replace(SURROUNDING_OWS, "");
    const match = TRACEPARENT.exec(value);
    if (!match) return undefined;
    const [, version, traceId, spanId, flags, laterFields] = match;
    if (version === "ff" || (version === TRACEPARENT_VERSION && laterFields !== undefined)) return undefined;
    if (traceId === undefined || spanId === undefined || flags === undefined) return undefined;
    if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return undefined;
    return new TraceContext({ traceId, spanId, traceFlags: parseInt(flags, 16), traceState, isRemote: true });
  }

  /**
   * The context of the code running now, or `undefined` outside any trace. With @opentelemetry/api installed, an
   * OpenTelemetry span made active since this SDK's span (or outside any) is the current one.
   */
  static get(): TraceContext | undefined {
    const scope = storage.getStore();
    const otel = activeOtelSpan();
    if (otel && otel.spanId !== scope?.otelSpanId && otel.spanId !== scope?.ctx?.spanId) return fromOtel(otel);
    return scope?.ctx;
  }

  /**
   * Runs `fn` (sync or async) with `ctx` as the current context, in a scope of its own: everything
   * it starts — awaits, timers, callbacks — sees `ctx`, a `set` inside it stays inside it, and the
   * caller's context is back once `fn` returns, even when `ctx` is the caller's own context.
   * Returns what `fn` returns. Prefer this over `set`.
   */
  static run<R>(ctx: TraceContext, fn: () => R): R {
    // active in OpenTelemetry's context too, so the spans OpenTelemetry starts inside are its children
    return storage.run({ ctx, otelSpanId: ctx.spanId }, () =>
      withOtelSpan({ ...ctx, traceState: ctx.traceState.serialize() || undefined }, fn),
    );
  }

  /**
   * Makes `ctx` current for the rest of the current async execution and everything it starts
   * afterwards (`AsyncLocalStorage.enterWith`); nothing restores the previous context.
   *
   * Where that execution begins decides who else sees `ctx`:
   * - in an async function after its first `await`, in a timer or in a promise callback, the
   *   execution is that code's own: its caller keeps its context;
   * - in the synchronous part of an async function (before its first `await`), in a plain function,
   *   or in an EventEmitter listener, the execution is still the caller's (or the emitter's), so
   *   the caller continues in `ctx` too, across its own `await`s. Neither Node nor V8 lets a library
   *   tell these places apart, so nothing here can confine `set` there: use `run`, or call the
   *   function through `run`, whose scope `set` never leaves.
   */
  static set(ctx: TraceContext): void {
    storage.enterWith({ ctx, otelSpanId: activeOtelSpan()?.spanId });
  }

  /** Leaves the current trace, with the same reach as `set`. */
  static clear(): void {
    storage.enterWith({ ctx: undefined, otelSpanId: activeOtelSpan()?.spanId });
  }
}

/** OpenTelemetry's span as a TraceContext; the last one made is kept, as get() is asked often for the same span. */
let lastOtel: TraceContext | undefined;
function fromOtel(otel: OtelSpanContext): TraceContext {
  if (lastOtel?.spanId === otel.spanId && lastOtel.traceId === otel.traceId) return lastOtel;
  lastOtel = new TraceContext({
    traceId: otel.traceId,
    spanId: otel.spanId,
    traceFlags: otel.traceFlags,
    traceState: (otel.traceState && TraceState.parse(otel.traceState)) || TraceState.empty,
    isRemote: otel.isRemote,
  });
  return lastOtel;
}

/** Random non-zero id as lowercase hex (an all-zero id means "no id" in the spec). */
// random bytes drawn in bulk and hex-encoded once: an id is a slice of that text, so one
// getRandomValues and one encoding serve hundreds of ids
const pool = new Uint8Array(16384);
let poolText = "";
let poolUsed = pool.length;

/** A random id of `bytes` bytes as lowercase hex, never all zeros (which W3C reserves as invalid). */
export function randomId(bytes: number): string {
  for (;;) {
    if (poolUsed + bytes > pool.length) {
      crypto.getRandomValues(pool);
      poolText = Buffer.from(pool.buffer, pool.byteOffset, pool.byteLength).toString("hex");
      poolUsed = 0;
    }
    const start = poolUsed;
    poolUsed += bytes;
    for (let i = start; i < poolUsed; i++) if (pool[i] !== 0) return poolText.slice(start * 2, poolUsed * 2);
  }
}

/**
 * A context from ids this SDK generated (randomId) or copied from a valid context: no checks to
 * repeat on every span.
 */
export function generatedContext(fields: TraceContextFields): TraceContext {
  return new TraceContext(fields, GENERATED);
}
