import { getHeader, setHeader, type Carrier } from "./carrier";
import { TraceContext } from "./trace-context";
import { TraceState } from "./trace-state";

/** Carries a trace across a process boundary (HTTP, messaging, task queues) in headers. */
export interface TracePropagator {
  /** Writes `ctx` (the current context by default) into the outgoing headers; does nothing without one. */
  inject(carrier: Carrier, ctx?: TraceContext): void;
  /** Reads the caller's context from incoming headers, or `undefined` when there is none worth trusting. */
  extract(carrier: Carrier): TraceContext | undefined;
  /** The header names this propagator writes, e.g. for CORS `Access-Control-Allow-Headers`. */
  fields(): readonly string[];
}

export const TRACEPARENT_HEADER = "traceparent";
export const TRACESTATE_HEADER = "tracestate";

/** `traceparent` and `tracestate` as W3C Trace Context Level 2 defines them. */
export class W3CTracePropagator implements TracePropagator {
  inject(carrier: Carrier, ctx: TraceContext | undefined = TraceContext.get()): void {
    if (ctx === undefined) return;
    setHeader(carrier, TRACEPARENT_HEADER, ctx.toTraceparent());
    // the spec asks senders to avoid empty tracestate headers
    const traceState = ctx.traceState.serialize();
    if (traceState !== "") setHeader(carrier, TRACESTATE_HEADER, traceState);
  }

  /**
   * A request with more than one `traceparent` header is treated as having none, since either
   * could be the real parent. `tracestate` is read only next to a valid `traceparent`, and an
   * invalid `tracestate` is dropped while the `traceparent` is kept (see `TraceState.parse`).
   */
  extract(carrier: Carrier): TraceContext | undefined {
    const traceparents = getHeader(carrier, TRACEPARENT_HEADER);
    const [traceparent] = traceparents;
    if (traceparent === undefined || traceparents.length > 1) return undefined;
    const remote = TraceContext.fromTraceparent(traceparent);
    if (remote === undefined) return undefined;
    const traceStates = getHeader(carrier, TRACESTATE_HEADER);
    const traceState = traceStates.length === 0 ? undefined : TraceState.parse(traceStates);
    return traceState === undefined ? remote : remote.withTraceState(traceState);
  }

  fields(): readonly string[] {
    return [TRACEPARENT_HEADER, TRACESTATE_HEADER];
  }
}
