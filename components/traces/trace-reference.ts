// What people paste to open a trace: its id as logs print it, a W3C traceparent header value, or a
// link to the trace's page copied from anywhere (this site, a chat message, another Tracedeck).

export interface TraceReference {
  traceId: string;
  /** the span a pasted link had open */
  spanId?: string;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
// version-traceid-parentid-flags; version ff is forbidden, later versions may append fields
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}(?:-.*)?$/;
const TRACE_PATH = /\/traces\/([0-9a-f]{32})(?:[/?#]|$)/;
const SPAN_PARAM = /[?&]span=([0-9a-f]{16})(?:[&#]|$)/;

// an all-zero trace id means "no trace" in W3C trace context
const valid = (traceId: string | undefined) => (traceId && !/^0+$/.test(traceId) ? traceId : undefined);

/** The trace a pasted value names, or undefined when it names none. */
export function readTraceReference(input: string): TraceReference | undefined {
  const text = input.trim().toLowerCase();
  if (TRACE_ID.test(text)) {
    const traceId = valid(text);
    return traceId ? { traceId } : undefined;
  }
  const header = TRACEPARENT.exec(text);
  if (header) {
    const traceId = header[1] === "ff" ? undefined : valid(header[2]);
    return traceId ? { traceId } : undefined;
  }
  const path = TRACE_PATH.exec(text);
  const traceId = valid(path?.[1]);
  if (!traceId) return undefined;
  const spanId = SPAN_PARAM.exec(text)?.[1];
  return spanId ? { traceId, spanId } : { traceId };
}
