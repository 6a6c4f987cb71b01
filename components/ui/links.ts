// Links built from telemetry. Trace ids, task ids and service names arrive from whoever sends data, so a value
// becomes exactly one percent-encoded path segment, and an id with a known shape becomes a link only when it has
// that shape: a sender cannot make a link leave the page's path (`../`, `//other.host`) or this site.
import { viewHref, type View } from "@/components/data/view";

const TRACE_ID = /^[0-9a-f]{32}$/i;
const SPAN_ID = /^[0-9a-f]{16}$/i;

export const isTraceId = (value: unknown): value is string => typeof value === "string" && TRACE_ID.test(value);
export const isSpanId = (value: unknown): value is string => typeof value === "string" && SPAN_ID.test(value);

/**
 * One path segment holding `value`, or undefined when no segment can hold it: an empty value names the parent
 * page, and browsers resolve `.` and `..` as steps up the path (encodeURIComponent leaves dots alone, and `%2E`
 * is resolved the same way).
 */
export function pathSegment(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const segment = encodeURIComponent(value);
  return segment === "." || segment === ".." ? undefined : segment;
}

/** `/<base>/<value>` with the shared view, or undefined when the value cannot be a segment. */
function pageHref(base: string, value: unknown, view: View, extra?: Record<string, string | undefined>) {
  const segment = pathSegment(value);
  return segment === undefined ? undefined : viewHref(`/${base}/${segment}`, view, extra);
}

/** A trace's page, opened at `spanId` when that is a span id; undefined unless `traceId` is a trace id. */
export function traceHref(traceId: unknown, view: View, spanId?: unknown): string | undefined {
  if (!isTraceId(traceId)) return undefined;
  return pageHref("traces", traceId.toLowerCase(), view, { span: isSpanId(spanId) ? spanId.toLowerCase() : undefined });
}

/** A pipeline task's record. */
export const taskHref = (taskId: unknown, view: View) => pageHref("events", taskId, view);

/** A service's page. */
export const serviceHref = (name: unknown, view: View) => pageHref("services", name, view);
