// Spans the browser tests and the waterfall benchmark send: whole traces of a chosen size.

export interface WireSpan {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  service_name: string;
  kind: string;
  status?: string;
  status_message?: string;
  start_time: string;
  duration_ms: number;
  attributes?: Record<string, unknown>;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

export function randomTraceId(): string {
  return Array.from({ length: 4 }, () => hex(Math.floor(Math.random() * 2 ** 32), 8)).join("");
}

/**
 * A trace of `count` spans: a root with a few levels of fan-out, children inside their parents'
 * time, every 97th span failed, services taken in turn.
 */
export function largeTrace(count: number, startMs = Date.now() - 60_000, traceId = randomTraceId()): WireSpan[] {
  return [...traceBatches(count, { startMs, traceId, batch: count })].flat();
}

/**
 * The spans of such a trace in batches of `batch`, made as they are sent, so that a trace of a million spans never
 * sits in memory whole. The parent of span i is (i - 1) / fanOut: with the default 8, about 5 levels deep for
 * 10,000 spans; with 4, 10 levels for a million.
 */
export function* traceBatches(
  count: number,
  {
    startMs = Date.now() - 60_000,
    traceId = randomTraceId(),
    fanOut = 8,
    batch = 2000,
    durationMs = 10_000,
  }: { startMs?: number; traceId?: string; fanOut?: number; batch?: number; durationMs?: number } = {},
): Generator<WireSpan[]> {
  const services = ["frontend", "api", "db", "cache", "queue", "worker"];
  // each span's time window, to place its children inside it
  const windowStart = new Float64Array(count);
  const windowEnd = new Float64Array(count);
  let spans: WireSpan[] = [];
  for (let i = 0; i < count; i++) {
    const parent = i === 0 ? -1 : Math.floor((i - 1) / fanOut);
    const [pStart, pEnd] = parent === -1 ? [0, durationMs] : [windowStart[parent]!, windowEnd[parent]!];
    const slot = (i - 1) % fanOut;
    const slotWidth = (pEnd - pStart) / fanOut;
    const start = parent === -1 ? 0 : pStart + slot * slotWidth + slotWidth * 0.05;
    const end = parent === -1 ? durationMs : start + slotWidth * 0.9;
    windowStart[i] = start;
    windowEnd[i] = end;
    const failed = i % 97 === 5;
    spans.push({
      trace_id: traceId,
      span_id: hex(i + 1, 16),
      ...(parent === -1 ? {} : { parent_span_id: hex(parent + 1, 16) }),
      name: i === 0 ? "POST /batch/import" : `step ${i}`,
      service_name: services[i % services.length]!,
      kind: i === 0 ? "server" : "internal",
      ...(failed ? { status: "error", status_message: `step ${i} failed` } : {}),
      start_time: new Date(startMs + start).toISOString(),
      duration_ms: end - start,
      attributes: { "step.index": i, "batch.id": "b-42" },
    });
    if (spans.length === batch) {
      yield spans;
      spans = [];
    }
  }
  if (spans.length > 0) yield spans;
}

export async function sendSpans(url: string, key: string, spans: WireSpan[], batch = 2000): Promise<void> {
  for (let i = 0; i < spans.length; i += batch) {
    const response = await fetch(`${url}/api/v1/spans`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ spans: spans.slice(i, i + batch) }),
    });
    const result = (await response.json()) as { accepted?: number; rejected?: number; errors?: unknown[] };
    if (response.status !== 200 || result.rejected)
      throw new Error(`sending spans failed: ${response.status} ${JSON.stringify(result).slice(0, 500)}`);
  }
}
