import type { MetricType, PipelineStatus, SpanKind, StatusCode } from "./enums";

// Normalized records: what every decoder produces and the ingest writer stores.
// Times are epoch nanoseconds.

export type Attributes = Record<string, unknown>;

export interface SpanEventRecord {
  name: string;
  time_unix_nano: string;
  attributes: Attributes;
  dropped_attributes_count?: number;
}

/** What an SDK dropped before sending (limits on attributes, events, links); absent when nothing. */
export interface DroppedCounts {
  attributes?: number;
  events?: number;
  links?: number;
}

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  serviceName: string;
  kind: SpanKind;
  statusCode: StatusCode;
  statusMessage: string | null;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  traceState: string | null;
  attributes: Attributes;
  resourceAttributes: Attributes;
  events: SpanEventRecord[];
  links: unknown[];
  scope: Attributes | null;
  /** W3C trace flags (and OTLP's is-remote bits) */
  flags: number | null;
  dropped: DroppedCounts | null;
}

export interface EventRecord {
  name: string;
  time: bigint;
  serviceName: string | null;
  traceId: string | null;
  spanId: string | null;
  attributes: Attributes;
}

export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string | null;
  body: unknown;
  serviceName: string | null;
  traceId: string | null;
  spanId: string | null;
  attributes: Attributes;
  resourceAttributes: Attributes;
  scope: Attributes | null;
  flags: number | null;
  eventName: string | null;
  droppedAttributesCount: number;
}

export interface MetricPointRecord {
  name: string;
  type: MetricType;
  unit: string | null;
  description: string | null;
  serviceName: string | null;
  temporality: "cumulative" | "delta" | null;
  tags: Record<string, string>;
  resourceAttributes: Attributes;
  scope: Attributes | null;
  time: bigint;
  /** start of the aggregation window of cumulative and delta points */
  startTime: bigint | null;
  flags: number | null;
  exemplars: unknown[] | null;
  value: number | null;
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  bounds: number[] | null;
  bucketCounts: number[] | null;
  distribution: unknown;
}

/** The distribution fields of a point that is a single number (gauges, counters). */
export const SINGLE_VALUE = {
  count: null,
  sum: null,
  min: null,
  max: null,
  bounds: null,
  bucketCounts: null,
  distribution: null,
} as const satisfies Partial<MetricPointRecord>;

export interface PipelineEventRecord {
  taskId: string;
  eventName: string;
  startTime: bigint;
  endTime: bigint | null;
  status: PipelineStatus;
  error: string | null;
  retryCount: number;
  processId: number | null;
  attributes: Attributes;
}

export interface NetworkOpRecord {
  taskId: string;
  host: string;
  port: number;
  operation: string;
  startTime: bigint;
  endTime: bigint | null;
  bytesSent: number;
  bytesReceived: number;
  error: string | null;
}

/** One request's records, of any signals, for one project. */
export interface RecordBatch {
  spans?: SpanRecord[];
  events?: EventRecord[];
  logs?: LogRecord[];
  metrics?: MetricPointRecord[];
  pipelineEvents?: PipelineEventRecord[];
  networkOps?: NetworkOpRecord[];
}
