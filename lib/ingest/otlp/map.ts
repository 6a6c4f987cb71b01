import { readSpanKind, readStatusCode, severityName } from "@/lib/model/enums";
import {
  SINGLE_VALUE,
  type DroppedCounts,
  type LogRecord,
  type MetricPointRecord,
  type RecordBatch,
  type SpanEventRecord,
  type SpanRecord,
} from "@/lib/model/records";
import { MAX_NAME_BYTES, utf8Length } from "@/lib/model/text";
import {
  anyValue,
  id,
  isObject,
  keyValues,
  list,
  MalformedOtlp,
  numberField,
  resource,
  scope,
  stringField,
  text,
  uint64,
  type IdEncoding,
} from "./values";

// OTLP export requests (the OTLP/JSON object shape) → Tracedeck records. A request whose structure
// is wrong throws MalformedOtlp (400); a single span, data point or log record that cannot be
// stored is counted as rejected and the rest of the request goes on (partial success).

export interface Mapped {
  batch: RecordBatch;
  rejected: number;
  /** the first few reasons, for partial_success.error_message */
  reasons: string[];
}

export class Rejections {
  count = 0;
  reasons: string[] = [];
  add(reason: string, count = 1): void {
    this.count += count;
    if (this.reasons.length < 5 && !this.reasons.includes(reason)) this.reasons.push(reason);
  }
}

export const NANOS_IN_FUTURE_LIMIT = 9_223_372_036_854_775_807n;

export function dropped(counts: DroppedCounts): DroppedCounts | null {
  let any = false;
  for (const key in counts) if (counts[key as keyof DroppedCounts]) any = true;
  if (!any) return null;
  const present = Object.entries(counts).filter(([, v]) => typeof v === "number" && v > 0);
  return present.length ? Object.fromEntries(present) : null;
}

/** uint32 fields (flags, severity numbers): a number or decimal text, else the request is malformed. */
function uint32(value: unknown, field: string): number {
  const n = typeof value === "string" && /^\d{1,10}$/.test(value.trim()) ? Number(value) : value;
  if (n === undefined || n === null || n === "") return 0;
  if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff) return n;
  throw new MalformedOtlp(`${field} must be an unsigned 32-bit integer`);
}

export function mapTraces(request: Record<string, unknown>, ids: IdEncoding): Mapped {
  const spans: SpanRecord[] = [];
  const rejected = new Rejections();
  for (const rs of list(request.resourceSpans, "resourceSpans")) {
    if (!isObject(rs)) throw new MalformedOtlp("resourceSpans items must be objects");
    const res = resource(rs.resource);
    for (const ss of list(rs.scopeSpans, "scopeSpans")) {
      if (!isObject(ss)) throw new MalformedOtlp("scopeSpans items must be objects");
      const sc = scope(ss.scope);
      for (const raw of list(ss.spans, "spans")) {
        if (!isObject(raw)) throw new MalformedOtlp("spans items must be objects");
        const traceId = id(raw.traceId, ids, 16);
        const spanId = id(raw.spanId, ids, 8);
        const parentSpanId = id(raw.parentSpanId, ids, 8);
        if (!traceId) {
          rejected.add("a span has an invalid or empty trace id");
          continue;
        }
        if (!spanId) {
          rejected.add("a span has an invalid or empty span id");
          continue;
        }
        if (parentSpanId === undefined) {
          rejected.add("a span has an invalid parent span id");
          continue;
        }
        const start = uint64(raw.startTimeUnixNano, "startTimeUnixNano");
        const end = uint64(raw.endTimeUnixNano, "endTimeUnixNano");
        if (start === 0n || start > NANOS_IN_FUTURE_LIMIT || end > NANOS_IN_FUTURE_LIMIT) {
          rejected.add("a span has no start time");
          continue;
        }
        if (end !== 0n && end < start) {
          rejected.add("a span ends before it starts");
          continue;
        }
        const status = isObject(raw.status) ? raw.status : {};
        const events = list(raw.events, "events").map((e): SpanEventRecord => {
          if (!isObject(e)) throw new MalformedOtlp("events items must be objects");
          const droppedAttributes = uint32(e.droppedAttributesCount, "events.droppedAttributesCount");
          return {
            name: stringField(e.name, "events.name"),
            time_unix_nano: uint64(e.timeUnixNano, "events.timeUnixNano").toString(),
            attributes: keyValues(e.attributes),
            ...(droppedAttributes ? { dropped_attributes_count: droppedAttributes } : {}),
          };
        });
        const links = list(raw.links, "links").map((l) => {
          if (!isObject(l)) throw new MalformedOtlp("links items must be objects");
          const droppedAttributes = uint32(l.droppedAttributesCount, "links.droppedAttributesCount");
          return {
            trace_id: id(l.traceId, ids, 16) ?? null,
            span_id: id(l.spanId, ids, 8) ?? null,
            trace_state: text(l.traceState),
            attributes: keyValues(l.attributes),
            ...(droppedAttributes ? { dropped_attributes_count: droppedAttributes } : {}),
            ...(l.flags !== undefined ? { flags: uint32(l.flags, "links.flags") } : {}),
          };
        });
        spans.push({
          traceId,
          spanId,
          parentSpanId,
          name: stringField(raw.name, "name"),
          serviceName: res.serviceName,
          kind: readSpanKind(raw.kind ?? 0) ?? "internal",
          statusCode: readStatusCode(status.code ?? 0) ?? "unset",
          statusMessage: text(status.message),
          startTimeUnixNano: start,
          endTimeUnixNano: end === 0n ? start : end,
          traceState: text(raw.traceState),
          attributes: keyValues(raw.attributes),
          resourceAttributes: res.attributes,
          events,
          links,
          scope: sc ? { ...sc } : null,
          flags: raw.flags === undefined ? null : uint32(raw.flags, "flags"),
          dropped: dropped({
            attributes: uint32(raw.droppedAttributesCount, "droppedAttributesCount"),
            events: uint32(raw.droppedEventsCount, "droppedEventsCount"),
            links: uint32(raw.droppedLinksCount, "droppedLinksCount"),
          }),
        });
      }
    }
  }
  return { batch: { spans }, rejected: rejected.count, reasons: rejected.reasons };
}

export function mapLogs(request: Record<string, unknown>, ids: IdEncoding, now: bigint): Mapped {
  const logs: LogRecord[] = [];
  const rejected = new Rejections();
  for (const rl of list(request.resourceLogs, "resourceLogs")) {
    if (!isObject(rl)) throw new MalformedOtlp("resourceLogs items must be objects");
    const res = resource(rl.resource);
    for (const sl of list(rl.scopeLogs, "scopeLogs")) {
      if (!isObject(sl)) throw new MalformedOtlp("scopeLogs items must be objects");
      const sc = scope(sl.scope);
      for (const raw of list(sl.logRecords, "logRecords")) {
        if (!isObject(raw)) throw new MalformedOtlp("logRecords items must be objects");
        const traceId = id(raw.traceId, ids, 16);
        const spanId = id(raw.spanId, ids, 8);
        if (traceId === undefined || spanId === undefined) {
          rejected.add("a log record has an invalid trace or span id");
          continue;
        }
        // an enum: a value it does not have (negative, past 24) is this record's fault, not the request's
        const severityNumber = numberField(raw.severityNumber, "severityNumber") ?? 0;
        if (!Number.isInteger(severityNumber) || severityNumber < 0 || severityNumber > 24) {
          rejected.add("a log record has a severity number outside 0–24");
          continue;
        }
        const time = uint64(raw.timeUnixNano, "timeUnixNano");
        const observed = uint64(raw.observedTimeUnixNano, "observedTimeUnixNano");
        logs.push({
          // the spec: use the observed time when the event time is unknown
          timeUnixNano: time || observed || now,
          observedTimeUnixNano: observed || now,
          severityNumber,
          severityText: text(raw.severityText) ?? (severityNumber ? severityName(severityNumber) : null),
          body: raw.body === undefined ? null : anyValue(raw.body),
          serviceName: res.serviceName,
          traceId,
          spanId,
          attributes: keyValues(raw.attributes),
          resourceAttributes: res.attributes,
          scope: sc ? { ...sc } : null,
          flags: raw.flags === undefined ? null : uint32(raw.flags, "flags"),
          eventName: text(raw.eventName),
          droppedAttributesCount: uint32(raw.droppedAttributesCount, "droppedAttributesCount"),
        });
      }
    }
  }
  return { batch: { logs }, rejected: rejected.count, reasons: rejected.reasons };
}

const TEMPORALITY: Record<number, "delta" | "cumulative"> = { 1: "delta", 2: "cumulative" };

/** Metric tags are strings: typed attribute values become their JSON text. */
function tagsOf(attributes: Record<string, unknown>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes)) tags[k] = typeof v === "string" ? v : JSON.stringify(v);
  return tags;
}

function exemplars(value: unknown, ids: IdEncoding): unknown[] | null {
  const items = list(value, "exemplars");
  if (items.length === 0) return null;
  return items.map((e) => {
    if (!isObject(e)) throw new MalformedOtlp("exemplars items must be objects");
    return {
      time_unix_nano: uint64(e.timeUnixNano, "exemplars.timeUnixNano").toString(),
      value:
        e.asInt !== undefined ? numberField(e.asInt, "exemplars.asInt") : numberField(e.asDouble, "exemplars.asDouble"),
      trace_id: id(e.traceId, ids, 16) ?? null,
      span_id: id(e.spanId, ids, 8) ?? null,
      filtered_attributes: keyValues(e.filteredAttributes),
    };
  });
}

const counts = (value: unknown, field: string) => list(value, field).map((c) => Number(uint64(c, field)));

export function mapMetrics(request: Record<string, unknown>, ids: IdEncoding): Mapped {
  const points: MetricPointRecord[] = [];
  const rejected = new Rejections();
  for (const rm of list(request.resourceMetrics, "resourceMetrics")) {
    if (!isObject(rm)) throw new MalformedOtlp("resourceMetrics items must be objects");
    const res = resource(rm.resource);
    for (const sm of list(rm.scopeMetrics, "scopeMetrics")) {
      if (!isObject(sm)) throw new MalformedOtlp("scopeMetrics items must be objects");
      const sc = scope(sm.scope);
      for (const metric of list(sm.metrics, "metrics")) {
        if (!isObject(metric)) throw new MalformedOtlp("metrics items must be objects");
        const name = stringField(metric.name, "name");
        const kind = (["gauge", "sum", "histogram", "exponentialHistogram", "summary"] as const).find((k) =>
          isObject(metric[k]),
        );
        const data = kind ? (metric[kind] as Record<string, unknown>) : undefined;
        const dataPoints = data ? list(data.dataPoints, `${name}.dataPoints`) : [];
        if (!name || utf8Length(name) > MAX_NAME_BYTES) {
          rejected.add(
            name ? `a metric name is longer than ${MAX_NAME_BYTES} bytes` : "a metric has no name",
            dataPoints.length,
          );
          continue;
        }
        if (!kind || !data) {
          rejected.add(`metric ${name} has no gauge, sum, histogram, exponential histogram or summary data`);
          continue;
        }
        const type =
          kind === "sum"
            ? data.isMonotonic === true
              ? "counter"
              : "gauge"
            : kind === "exponentialHistogram"
              ? "exponential_histogram"
              : kind;
        const base = {
          name,
          type,
          unit: text(metric.unit),
          description: text(metric.description),
          serviceName: res.serviceName,
          // an enum value this version does not know is unspecified, as protobuf has it
          temporality: TEMPORALITY[numberField(data.aggregationTemporality, "aggregationTemporality") ?? 0] ?? null,
          resourceAttributes: res.attributes,
          scope: sc ? { ...sc } : null,
        } as const;
        for (const dp of dataPoints) {
          if (!isObject(dp)) throw new MalformedOtlp("dataPoints items must be objects");
          const time = uint64(dp.timeUnixNano, "timeUnixNano");
          if (time === 0n) {
            rejected.add(`a data point of ${name} has no time`);
            continue;
          }
          const start = uint64(dp.startTimeUnixNano, "startTimeUnixNano");
          const point: MetricPointRecord = {
            ...base,
            tags: tagsOf(keyValues(dp.attributes)),
            time,
            startTime: start === 0n ? null : start,
            flags: dp.flags === undefined ? null : uint32(dp.flags, "flags"),
            exemplars: exemplars(dp.exemplars, ids),
            value: null,
            ...SINGLE_VALUE,
          };
          if (kind === "gauge" || kind === "sum") {
            point.value =
              dp.asInt !== undefined ? numberField(dp.asInt, "asInt") : numberField(dp.asDouble, "asDouble");
          } else {
            point.count = Number(uint64(dp.count, "count"));
            point.sum = numberField(dp.sum, "sum");
            point.value = point.sum;
            point.min = numberField(dp.min, "min");
            point.max = numberField(dp.max, "max");
            if (kind === "histogram") {
              point.bounds = list(dp.explicitBounds, "explicitBounds").map(
                (b) => numberField(b, "explicitBounds") ?? 0,
              );
              point.bucketCounts = counts(dp.bucketCounts, "bucketCounts");
              if (point.bucketCounts.length > 0 && point.bucketCounts.length !== point.bounds.length + 1) {
                rejected.add(
                  `a histogram point of ${name} has ${point.bucketCounts.length} buckets for ${point.bounds.length} bounds`,
                );
                continue;
              }
            } else if (kind === "exponentialHistogram") {
              const buckets = (b: unknown) =>
                isObject(b)
                  ? {
                      offset: numberField(b.offset, "offset") ?? 0,
                      bucket_counts: counts(b.bucketCounts, "bucketCounts"),
                    }
                  : null;
              point.distribution = {
                scale: numberField(dp.scale, "scale") ?? 0,
                zero_count: Number(uint64(dp.zeroCount, "zeroCount")),
                zero_threshold: numberField(dp.zeroThreshold, "zeroThreshold") ?? 0,
                positive: buckets(dp.positive),
                negative: buckets(dp.negative),
              };
            } else {
              point.distribution = {
                quantile_values: list(dp.quantileValues, "quantileValues").map((q) => ({
                  quantile: isObject(q) ? (numberField(q.quantile, "quantile") ?? 0) : 0,
                  value: isObject(q) ? (numberField(q.value, "value") ?? 0) : 0,
                })),
              };
            }
          }
          if (point.value !== null && !Number.isFinite(point.value)) {
            // jsonb and float8 arrays aside, a NaN point has no place on a chart
            rejected.add(`a data point of ${name} is not a finite number`);
            continue;
          }
          points.push(point);
        }
      }
    }
  }
  return { batch: { metrics: points }, rejected: rejected.count, reasons: rejected.reasons };
}
