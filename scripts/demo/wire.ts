// The native JSON items the demo sends (lib/model/wire.ts reads them). Times are epoch
// milliseconds with microsecond fractions, which the server reads by magnitude.

export type Attributes = Record<string, string | number | boolean>;

interface WireSpanEvent {
  name: string;
  timestamp: number;
  attributes: Attributes;
}

export interface WireSpan {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  service_name: string;
  kind: "SERVER" | "CLIENT" | "PRODUCER" | "CONSUMER" | "INTERNAL";
  /** absent when the span succeeded, as instrumentations leave it (UNSET) */
  status?: { code: "ERROR"; message: string };
  start_time: number;
  end_time: number;
  attributes: Attributes;
  events?: WireSpanEvent[];
  resource_attributes: Attributes;
}

export interface WireLog {
  timestamp: number;
  severity: "DEBUG" | "INFO" | "WARN" | "ERROR";
  message: string;
  service_name: string;
  trace_id?: string;
  span_id?: string;
  attributes: Attributes;
  resource_attributes: Attributes;
}

export interface WireEvent {
  name: string;
  timestamp: number;
  service_name?: string;
  trace_id?: string;
  span_id?: string;
  attributes: Attributes;
}

export interface WireMetric {
  name: string;
  value: number;
  metric_type: "counter" | "gauge";
  timestamp: number;
  unit: string;
  description: string;
  tags: Record<string, string>;
  service_name: string;
}

/** One report of a task execution: a start (pending), a retry (pending again) or its end. */
export interface WirePipelineEvent {
  event_name: string;
  task_id: string;
  start_time: number;
  end_time?: number;
  status: "pending" | "completed" | "failed";
  error?: string;
  retry_count: number;
  process_id: number;
  attributes: Attributes;
}

export interface WireNetworkOp {
  task_id: string;
  host: string;
  port: number;
  operation: string;
  start_time: number;
  /** absent while the operation has not ended */
  end_time?: number;
  bytes_sent: number;
  bytes_received: number;
  error?: string;
}

/** Milliseconds rounded to whole microseconds, the precision the server keeps. */
export const micros = (ms: number): number => Math.round(ms * 1000) / 1000;
