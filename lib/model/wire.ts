import { z } from "zod";
import {
  readMetricType,
  readPipelineStatus,
  readSeverityNumber,
  readSpanKind,
  readStatusCode,
  severityName,
} from "./enums";
import { newSpanId, newTraceId, normalizeId, SPAN_ID, TRACE_ID } from "./ids";
import {
  SINGLE_VALUE,
  type EventRecord,
  type LogRecord,
  type MetricPointRecord,
  type NetworkOpRecord,
  type PipelineEventRecord,
  type SpanEventRecord,
  type SpanRecord,
} from "./records";
import { MAX_NAME_BYTES, truncateUtf8, utf8Length } from "./text";
import { MAX_NANOS, parseTime } from "./time";

// The native JSON wire format (snake_case, the SDK model fields) and its normalization into
// records. Unknown fields are ignored; null is the same as absent.

/** Longest name or id kept in an indexed column, in characters; its UTF-8 bytes are capped too (MAX_NAME_BYTES). */
export const MAX_NAME_LENGTH = MAX_NAME_BYTES;

const absentIfNull = (v: unknown) => (v === null ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(absentIfNull, schema.optional());

const Name = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .refine((s) => utf8Length(s) <= MAX_NAME_BYTES, `must be at most ${MAX_NAME_BYTES} bytes in UTF-8`);
const Text = z.string();

const Time = z.unknown().transform((value, ctx): bigint => {
  const nanos = parseTime(value);
  if (nanos === undefined) {
    ctx.addIssue({ code: "custom", message: "must be an RFC 3339 time or an epoch number (s, ms, µs or ns)" });
    return z.NEVER;
  }
  return nanos;
});

/** Deepest nesting kept in an attribute value or log body; deeper documents are refused, not truncated. */
export const MAX_JSON_DEPTH = 64;

function depthWithin(value: unknown, budget: number): boolean {
  if (value === null || typeof value !== "object") return true;
  if (budget === 0) return false;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (!depthWithin(child, budget - 1)) return false;
  }
  return true;
}

const Nested = <T extends z.ZodType>(schema: T) =>
  schema.refine((v) => depthWithin(v, MAX_JSON_DEPTH), `nests deeper than ${MAX_JSON_DEPTH} levels`);

const Attributes = z.preprocess((v) => v ?? {}, Nested(z.record(z.string(), z.unknown())));

const hexId = (pattern: RegExp, what: string) =>
  z.string().transform((value, ctx) => {
    const id = normalizeId(value, pattern);
    if (!id) {
      ctx.addIssue({ code: "custom", message: `must be a ${what} (lowercase or uppercase hex, not all zeros)` });
      return z.NEVER;
    }
    return id;
  });
const TraceId = hexId(TRACE_ID, "32-character hex trace id");
const SpanId = hexId(SPAN_ID, "16-character hex span id");
/** "" means "no parent", as several SDKs send it. */
const ParentSpanId = z.preprocess((v) => (v === "" ? undefined : v), opt(SpanId));

const enumOf = <T>(read: (v: unknown) => T | undefined, allowed: string) =>
  z.unknown().transform((value, ctx): T => {
    const parsed = read(value);
    if (parsed === undefined) {
      ctx.addIssue({ code: "custom", message: `must be one of ${allowed} (any case)` });
      return z.NEVER;
    }
    return parsed;
  });

const SpanKind = enumOf(readSpanKind, "INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER or 0–5");
const StatusCode = enumOf(readStatusCode, "UNSET, OK, ERROR or 0–2");
/** A duration in ms that an int64 of nanoseconds holds (292 years). */
const DurationMs = z
  .number()
  .min(0)
  .max(Number(MAX_NANOS / 1_000_000n), "must be at most 9,223,372,036,854 ms (292 years)");

const SpanEventIn = z.object({
  name: Name,
  timestamp: opt(Time),
  time_unix_nano: opt(Time),
  attributes: Attributes,
});

/** `status` is a code ("ERROR"), or an object { code, message } as OTLP JSON has it. */
const SpanStatus = z.union([
  z.object({ code: opt(StatusCode), message: opt(Text), description: opt(Text) }),
  StatusCode.transform((code) => ({ code, message: undefined, description: undefined })),
]);

const addIssue = (ctx: z.RefinementCtx, path: string, message: string) =>
  ctx.addIssue({ code: "custom", path: [path], message });

export const SpanIn = z
  .object({
    span_id: opt(SpanId),
    trace_id: opt(TraceId),
    parent_span_id: ParentSpanId,
    name: Name,
    service_name: opt(Name),
    kind: opt(SpanKind),
    status: opt(SpanStatus),
    status_message: opt(Text),
    start_time: opt(Time),
    end_time: opt(Time),
    duration_ms: opt(DurationMs),
    trace_state: opt(Text),
    attributes: Attributes,
    events: z.preprocess((v) => v ?? [], z.array(SpanEventIn)),
    links: z.preprocess((v) => v ?? [], Nested(z.array(z.unknown()))),
    resource_attributes: Attributes,
  })
  .transform((s, ctx): SpanRecord => {
    const durationNanos = s.duration_ms === undefined ? undefined : BigInt(Math.round(s.duration_ms * 1e6));
    let start = s.start_time;
    let end = s.end_time;
    if (start === undefined) {
      if (end !== undefined && durationNanos !== undefined) start = end - durationNanos;
      else {
        addIssue(ctx, "start_time", "is required (or give end_time and duration_ms)");
        return z.NEVER;
      }
    }
    // end time wins over duration_ms: it is the more precise of the two
    end ??= durationNanos !== undefined ? start + durationNanos : start;
    if (end < start) {
      addIssue(ctx, "end_time", "is before start_time");
      return z.NEVER;
    }
    const resourceService = s.resource_attributes["service.name"];
    const events = s.events.map((e): SpanEventRecord => ({
      name: e.name,
      time_unix_nano: String(e.timestamp ?? e.time_unix_nano ?? start),
      attributes: e.attributes,
    }));
    return {
      traceId: s.trace_id ?? newTraceId(),
      spanId: s.span_id ?? newSpanId(),
      parentSpanId: s.parent_span_id ?? null,
      name: s.name,
      serviceName:
        s.service_name ??
        (typeof resourceService === "string" && resourceService
          ? truncateUtf8(resourceService, MAX_NAME_BYTES)
          : "unknown_service"),
      kind: s.kind ?? "internal",
      statusCode: s.status?.code ?? "unset",
      statusMessage: s.status_message ?? s.status?.message ?? s.status?.description ?? null,
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      traceState: s.trace_state ?? null,
      attributes: s.attributes,
      resourceAttributes: s.resource_attributes,
      events,
      links: s.links,
      scope: null,
      flags: null,
      dropped: null,
    };
  });

export const EventIn = z
  .object({
    name: Name,
    timestamp: opt(Time),
    service_name: opt(Name),
    trace_id: opt(TraceId),
    span_id: opt(SpanId),
    attributes: Attributes,
  })
  .transform((e): EventRecord => ({
    name: e.name,
    time: e.timestamp ?? BigInt(Date.now()) * 1_000_000n,
    serviceName: e.service_name ?? null,
    traceId: e.trace_id ?? null,
    spanId: e.span_id ?? null,
    attributes: e.attributes,
  }));

const Severity = enumOf(readSeverityNumber, "TRACE, DEBUG, INFO, WARN, ERROR, FATAL or 0–24");

export const LogIn = z
  .object({
    timestamp: opt(Time),
    observed_timestamp: opt(Time),
    severity: opt(Severity),
    severity_number: opt(Severity),
    severity_text: opt(Text),
    message: opt(Text),
    body: Nested(z.unknown()).optional(),
    service_name: opt(Name),
    trace_id: opt(TraceId),
    span_id: opt(SpanId),
    attributes: Attributes,
    resource_attributes: Attributes,
  })
  .transform((l, ctx): LogRecord => {
    const body = l.body ?? l.message;
    if (body === undefined) {
      addIssue(ctx, "message", "a log needs a message (or a body)");
      return z.NEVER;
    }
    const now = BigInt(Date.now()) * 1_000_000n;
    const severityNumber = l.severity_number ?? l.severity ?? 9;
    const severityText =
      l.severity_text ??
      (typeof l.severity === "number" || l.severity === undefined ? severityName(severityNumber) : null);
    return {
      timeUnixNano: l.timestamp ?? l.observed_timestamp ?? now,
      observedTimeUnixNano: l.observed_timestamp ?? now,
      severityNumber,
      severityText: severityText ?? severityName(severityNumber),
      body,
      serviceName: l.service_name ?? null,
      traceId: l.trace_id ?? null,
      spanId: l.span_id ?? null,
      attributes: l.attributes,
      resourceAttributes: l.resource_attributes,
      scope: null,
      flags: null,
      eventName: null,
      droppedAttributesCount: 0,
    };
  });

const MetricType = enumOf(readMetricType, "COUNTER, GAUGE, HISTOGRAM or SUMMARY");
const TagValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const MetricIn = z
  .object({
    name: Name,
    value: z.number(),
    metric_type: opt(MetricType),
    timestamp: opt(Time),
    unit: opt(z.string().max(MAX_NAME_LENGTH)),
    tags: z.preprocess((v) => v ?? {}, z.record(z.string().max(MAX_NAME_LENGTH), TagValue)),
    service_name: opt(Name),
    description: opt(Text),
  })
  .transform((m): MetricPointRecord => ({
    name: m.name,
    type: m.metric_type ?? "gauge",
    unit: m.unit || null,
    description: m.description || null,
    serviceName: m.service_name ?? null,
    temporality: null,
    tags: m.tags,
    resourceAttributes: {},
    scope: null,
    time: m.timestamp ?? BigInt(Date.now()) * 1_000_000n,
    startTime: null,
    flags: null,
    exemplars: null,
    value: m.value,
    ...SINGLE_VALUE,
  }));

const PipelineStatus = enumOf(readPipelineStatus, "pending, completed or failed");
const Count = z.number().int().min(0).max(2_147_483_647);

export const PipelineEventIn = z
  .object({
    event_name: Name,
    task_id: Name,
    start_time: Time,
    end_time: opt(Time),
    status: opt(PipelineStatus),
    error: opt(Text),
    retry_count: opt(Count),
    process_id: opt(z.number().int().min(-2_147_483_648).max(2_147_483_647)),
    attributes: Attributes,
  })
  .transform((e, ctx): PipelineEventRecord => {
    if (e.end_time !== undefined && e.end_time < e.start_time) {
      addIssue(ctx, "end_time", "is before start_time");
      return z.NEVER;
    }
    const error = e.error || null;
    return {
      taskId: e.task_id,
      eventName: e.event_name,
      startTime: e.start_time,
      endTime: e.end_time ?? null,
      status: e.status ?? (error ? "failed" : e.end_time !== undefined ? "completed" : "pending"),
      error,
      retryCount: e.retry_count ?? 0,
      processId: e.process_id ?? null,
      attributes: e.attributes,
    };
  });

const Bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const NetworkOpIn = z
  .object({
    task_id: Name,
    host: Name,
    port: z.number().int().min(0).max(65535),
    operation: opt(Name),
    start_time: Time,
    end_time: opt(Time),
    bytes_sent: opt(Bytes),
    bytes_received: opt(Bytes),
    error: opt(Text),
  })
  .transform((n, ctx): NetworkOpRecord => {
    if (n.end_time !== undefined && n.end_time < n.start_time) {
      addIssue(ctx, "end_time", "is before start_time");
      return z.NEVER;
    }
    return {
      taskId: n.task_id,
      host: n.host,
      port: n.port,
      operation: n.operation ?? "remote_call",
      startTime: n.start_time,
      endTime: n.end_time ?? null,
      bytesSent: n.bytes_sent ?? 0,
      bytesReceived: n.bytes_received ?? 0,
      error: n.error || null,
    };
  });
