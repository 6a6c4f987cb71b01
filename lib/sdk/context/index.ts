export { getHeader, setHeader, type Carrier, type HeaderRecord } from "./carrier";
export { TRACEPARENT_HEADER, TRACESTATE_HEADER, W3CTracePropagator, type TracePropagator } from "./propagator";
export { RANDOM_FLAG, SAMPLED_FLAG, TraceContext, type TraceContextFields } from "./trace-context";
export { MAX_TRACE_STATE_LENGTH, MAX_TRACE_STATE_MEMBERS, TraceState } from "./trace-state";
