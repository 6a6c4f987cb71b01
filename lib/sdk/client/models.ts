import { newSpanId, newTraceId } from "./ids";

// The records an application sends. Field names are camelCase here and snake_case on the wire:
// each model's toJSON() is the body item the ingest endpoints read.

export type Attributes = Record<string, unknown>;

export const SpanKind = {
  INTERNAL: "internal",
  SERVER: "server",
  CLIENT: "client",
  PRODUCER: "producer",
  CONSUMER: "consumer",
} as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

export const SpanStatus = { UNSET: "unset", OK: "ok", ERROR: "error" } as const;
export type SpanStatus = (typeof SpanStatus)[keyof typeof SpanStatus];

export const MetricType = { COUNTER: "counter", GAUGE: "gauge", HISTOGRAM: "histogram", SUMMARY: "summary" } as const;
export type MetricType = (typeof MetricType)[keyof typeof MetricType];

export const Severity = {
  TRACE: "trace",
  DEBUG: "debug",
  INFO: "info",
  WARN: "warn",
  ERROR: "error",
  FATAL: "fatal",
} as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

export interface EventJSON {
  name: string;
  timestamp: string;
  attributes: Attributes;
  service_name?: string;
  trace_id?: string;
  span_id?: string;
}

/** Something that happened at a moment: inside a span (`span.addEvent`) or on its own (`sendEvents`). */
export class Event {
  name: string;
  timestamp: Date;
  attributes: Attributes;
  serviceName: string | undefined;
  /** Ties a standalone event to the trace it happened in. */
  traceId: string | undefined;
  spanId: string | undefined;

  constructor(options: {
    name: string;
    timestamp?: Date;
    attributes?: Attributes;
    serviceName?: string;
    traceId?: string;
    spanId?: string;
  }) {
    this.name = options.name;
    this.timestamp = options.timestamp ?? new Date();
    this.attributes = { ...options.attributes };
    this.serviceName = options.serviceName;
    this.traceId = options.traceId;
    this.spanId = options.spanId;
  }

  toJSON(): EventJSON {
    return {
      name: this.name,
      timestamp: this.timestamp.toISOString(),
      attributes: this.attributes,
      ...(this.serviceName !== undefined && { service_name: this.serviceName }),
      ...(this.traceId !== undefined && { trace_id: this.traceId }),
      ...(this.spanId !== undefined && { span_id: this.spanId }),
    };
  }
}

export interface SpanJSON {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  service_name: string;
  kind: SpanKind;
  status: SpanStatus;
  status_message?: string;
  start_time: string;
  end_time?: string;
  attributes: Attributes;
  events: EventJSON[];
  resource_attributes: Attributes;
}

export interface SpanOptions {
  name: string;
  serviceName: string;
  /** Leave out to start a new trace. */
  traceId?: string;
  parentSpanId?: string;
  kind?: SpanKind;
  startTime?: Date;
  attributes?: Attributes;
  resourceAttributes?: Attributes;
}

/** The trace a span was started in (Trace.startSpan, or startChild of such a span): its children join it. */
const traceOf = new WeakMap<Span, Trace>();

/** One unit of work in a trace: it starts when created and ends at `finish()`. */
export class Span {
  readonly spanId: string = newSpanId();
  readonly traceId: string;
  readonly parentSpanId: string | undefined;
  name: string;
  serviceName: string;
  kind: SpanKind;
  status: SpanStatus = SpanStatus.UNSET;
  statusMessage: string | undefined;
  readonly startTime: Date;
  endTime: Date | undefined;
  attributes: Attributes;
  readonly events: Event[] = [];
  resourceAttributes: Attributes;

  constructor(options: SpanOptions) {
    this.traceId = options.traceId ?? newTraceId();
    this.parentSpanId = options.parentSpanId;
    this.name = options.name;
    this.serviceName = options.serviceName;
    this.kind = options.kind ?? SpanKind.INTERNAL;
    this.startTime = options.startTime ?? new Date();
    this.attributes = { ...options.attributes };
    this.resourceAttributes = { ...options.resourceAttributes };
  }

  /** A span for work done on behalf of this one: same trace, this span as its parent. */
  startChild(
    name: string,
    options: Omit<SpanOptions, "name" | "traceId" | "parentSpanId" | "serviceName"> & { serviceName?: string } = {},
  ): Span {
    const child = new Span({
      serviceName: this.serviceName,
      ...options,
      name,
      traceId: this.traceId,
      parentSpanId: this.spanId,
    });
    // a child of a trace's span is one of the trace's spans, so sendSpans(trace) sends it
    const trace = traceOf.get(this);
    if (trace) {
      trace.spans.push(child);
      traceOf.set(child, trace);
    }
    return child;
  }

  addEvent(name: string, attributes: Attributes = {}, timestamp?: Date): this {
    this.events.push(new Event({ name, attributes, timestamp }));
    return this;
  }

  /** The status, and its description whatever the status, as the reference client keeps it. */
  setStatus(status: SpanStatus, description?: string): this {
    this.status = status;
    this.statusMessage = description;
    return this;
  }

  setAttribute(key: string, value: unknown): this {
    this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    Object.assign(this.attributes, attributes);
    return this;
  }

  /** Ends the span; the first call wins, so a `finally` after an explicit finish does not move the end. */
  finish(endTime: Date = new Date()): this {
    this.endTime ??= endTime < this.startTime ? this.startTime : endTime;
    return this;
  }

  get finished(): boolean {
    return this.endTime !== undefined;
  }

  /** Milliseconds from start to end; undefined until the span is finished. */
  get durationMs(): number | undefined {
    return this.endTime === undefined ? undefined : this.endTime.getTime() - this.startTime.getTime();
  }

  toJSON(): SpanJSON {
    return {
      trace_id: this.traceId,
      span_id: this.spanId,
      ...(this.parentSpanId !== undefined && { parent_span_id: this.parentSpanId }),
      name: this.name,
      service_name: this.serviceName,
      kind: this.kind,
      status: this.status,
      ...(this.statusMessage !== undefined && { status_message: this.statusMessage }),
      start_time: this.startTime.toISOString(),
      ...(this.endTime !== undefined && { end_time: this.endTime.toISOString() }),
      attributes: this.attributes,
      events: this.events.map((e) => ({
        name: e.name,
        timestamp: e.timestamp.toISOString(),
        attributes: e.attributes,
      })),
      resource_attributes: this.resourceAttributes,
    };
  }
}

/** The spans of one request or job, sharing a trace id; `startSpan` keeps them together. */
export class Trace {
  readonly traceId: string;
  readonly spans: Span[] = [];
  serviceName: string;
  attributes: Attributes;

  constructor(options: { serviceName: string; traceId?: string; attributes?: Attributes }) {
    this.traceId = options.traceId ?? newTraceId();
    this.serviceName = options.serviceName;
    this.attributes = { ...options.attributes };
  }

  /** Starts a span in this trace: the root when no parent is given, else a child of `parent`. */
  startSpan(
    name: string,
    options: Omit<SpanOptions, "name" | "traceId" | "parentSpanId" | "serviceName"> & {
      parent?: Span;
      serviceName?: string;
    } = {},
  ): Span {
    const { parent, ...rest } = options;
    const span = new Span({
      serviceName: this.serviceName,
      ...rest,
      name,
      traceId: this.traceId,
      parentSpanId: parent?.spanId,
    });
    this.spans.push(span);
    traceOf.set(span, this);
    return span;
  }

  /** The span without a parent; undefined while only children have been added. */
  get rootSpan(): Span | undefined {
    return this.spans.find((s) => s.parentSpanId === undefined);
  }

  /** From the earliest start to the latest end among the finished spans; undefined if none finished. */
  get durationMs(): number | undefined {
    const finished = this.spans.filter((s) => s.endTime !== undefined);
    if (finished.length === 0) return undefined;
    const start = Math.min(...this.spans.map((s) => s.startTime.getTime()));
    const end = Math.max(...finished.map((s) => s.endTime!.getTime()));
    return end - start;
  }

  get spanCount(): number {
    return this.spans.length;
  }
}

export interface MetricJSON {
  name: string;
  value: number;
  metric_type: MetricType;
  timestamp: string;
  unit?: string;
  tags: Record<string, string>;
  service_name?: string;
  description?: string;
}

/** One measured value of a named metric at a moment; tags tell its series apart. */
export class Metric {
  name: string;
  value: number;
  metricType: MetricType;
  timestamp: Date;
  unit: string | undefined;
  tags: Record<string, string>;
  serviceName: string | undefined;
  description: string | undefined;

  constructor(options: {
    name: string;
    value: number;
    metricType?: MetricType;
    timestamp?: Date;
    unit?: string;
    tags?: Record<string, string>;
    serviceName?: string;
    description?: string;
  }) {
    this.name = options.name;
    this.value = options.value;
    this.metricType = options.metricType ?? MetricType.GAUGE;
    this.timestamp = options.timestamp ?? new Date();
    this.unit = options.unit;
    this.tags = { ...options.tags };
    this.serviceName = options.serviceName;
    this.description = options.description;
  }

  toJSON(): MetricJSON {
    return {
      name: this.name,
      value: this.value,
      metric_type: this.metricType,
      timestamp: this.timestamp.toISOString(),
      ...(this.unit !== undefined && { unit: this.unit }),
      tags: this.tags,
      ...(this.serviceName !== undefined && { service_name: this.serviceName }),
      ...(this.description !== undefined && { description: this.description }),
    };
  }
}

export interface LogRecordJSON {
  message: string;
  severity: Severity;
  timestamp: string;
  attributes: Attributes;
  resource_attributes: Attributes;
  service_name?: string;
  trace_id?: string;
  span_id?: string;
}

/** A log line; give it the trace and span ids to see it beside the trace it belongs to. */
export class LogRecord {
  message: string;
  severity: Severity;
  timestamp: Date;
  attributes: Attributes;
  resourceAttributes: Attributes;
  serviceName: string | undefined;
  traceId: string | undefined;
  spanId: string | undefined;

  constructor(options: {
    message: string;
    severity?: Severity;
    timestamp?: Date;
    attributes?: Attributes;
    resourceAttributes?: Attributes;
    serviceName?: string;
    traceId?: string;
    spanId?: string;
  }) {
    this.message = options.message;
    this.severity = options.severity ?? Severity.INFO;
    this.timestamp = options.timestamp ?? new Date();
    this.attributes = { ...options.attributes };
    this.resourceAttributes = { ...options.resourceAttributes };
    this.serviceName = options.serviceName;
    this.traceId = options.traceId;
    this.spanId = options.spanId;
  }

  toJSON(): LogRecordJSON {
    return {
      message: this.message,
      severity: this.severity,
      timestamp: this.timestamp.toISOString(),
      attributes: this.attributes,
      resource_attributes: this.resourceAttributes,
      ...(this.serviceName !== undefined && { service_name: this.serviceName }),
      ...(this.traceId !== undefined && { trace_id: this.traceId }),
      ...(this.spanId !== undefined && { span_id: this.spanId }),
    };
  }
}
