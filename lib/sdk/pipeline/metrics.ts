// The records the pipeline SDK keeps in memory: one per task execution and one per network
// operation. Times are epoch seconds (fractions allowed), as the Tracedeck wire contract accepts them.

export type EventStatus = "pending" | "completed" | "failed";

/** Attribute values the server stores with an event (JSON scalars). */
export type EventAttributes = Record<string, string | number | boolean>;

/** Seconds since the epoch, from the wall clock (millisecond precision), so records line up with other telemetry. */
export const nowSeconds = (): number => Date.now() / 1000;

/** One execution of a task: started, then completed or failed, possibly after retries. */
export class EventMetrics {
  endTime: number | undefined = undefined;
  status: EventStatus = "pending";
  error: string | undefined = undefined;
  retryCount = 0;

  constructor(
    readonly eventName: string,
    readonly taskId: string,
    public startTime: number,
    public processId: number | undefined = undefined,
    readonly attributes: EventAttributes = {},
  ) {}

  /** Seconds the execution took, or undefined while it is still running. */
  duration(): number | undefined {
    return this.endTime === undefined ? undefined : this.endTime - this.startTime;
  }
}

/** One call to a remote host made on behalf of a task. */
export class NetworkMetrics {
  endTime: number | undefined = undefined;
  bytesSent = 0;
  bytesReceived = 0;
  error: string | undefined = undefined;

  constructor(
    readonly taskId: string,
    readonly host: string,
    readonly port: number,
    readonly operation: string,
    readonly startTime: number,
  ) {}

  /** Seconds from start to end, or undefined while the operation is in flight. */
  latency(): number | undefined {
    return this.endTime === undefined ? undefined : this.endTime - this.startTime;
  }
}

/** An event as the Tracedeck wire contract spells it (`POST /api/v1/pipeline/events`). */
export interface FormattedEvent {
  event_name: string;
  task_id: string;
  start_time: number;
  end_time?: number;
  duration_seconds?: number;
  status: EventStatus;
  error?: string;
  retry_count: number;
  process_id?: number;
  attributes: EventAttributes;
}

/** A network operation as the Tracedeck wire contract spells it (`POST /api/v1/pipeline/network`). */
export interface FormattedNetworkOp {
  task_id: string;
  host: string;
  port: number;
  operation: string;
  start_time: number;
  end_time?: number;
  latency_seconds?: number;
  bytes_sent: number;
  bytes_received: number;
  error?: string;
}

/** A task execution as a plain object, as the reference client takes a dict: camelCase, or as the wire spells it. */
export interface EventMetricsFields {
  eventName?: string;
  event_name?: string;
  taskId?: string;
  task_id?: string;
  startTime?: number;
  start_time?: number;
  endTime?: number;
  end_time?: number;
  status?: EventStatus;
  error?: string;
  retryCount?: number;
  retry_count?: number;
  processId?: number;
  process_id?: number;
  attributes?: EventAttributes;
}

/** A network operation as a plain object (the reference's publish_network_metrics(dict)): either spelling. */
export interface NetworkMetricsFields {
  taskId?: string;
  task_id?: string;
  host: string;
  port: number;
  operation: string;
  startTime?: number;
  start_time?: number;
  endTime?: number;
  end_time?: number;
  bytesSent?: number;
  bytes_sent?: number;
  bytesReceived?: number;
  bytes_received?: number;
  error?: string;
}

export type EventMetricsInput = EventMetrics | EventMetricsFields;
export type NetworkMetricsInput = NetworkMetrics | NetworkMetricsFields;

/** A field of a plain object under either name: a required one missing, or one of another type, is a TypeError. */
function field<T>(
  fields: object,
  camel: string,
  snake: string,
  type: "string" | "number",
  required = false,
): T | undefined {
  const record = fields as Record<string, unknown>;
  const value = record[camel] ?? record[snake];
  if (value === undefined || value === null) {
    if (required) throw new TypeError(`metrics need ${snake} (or ${camel}), a ${type}`);
    return undefined;
  }
  if (typeof value !== type) throw new TypeError(`${snake} must be a ${type}, not ${JSON.stringify(value)}`);
  return value as T;
}
const required = <T>(fields: object, camel: string, snake: string, type: "string" | "number"): T =>
  field<T>(fields, camel, snake, type, true)!;

/** The records themselves, from plain objects as from instances (which come back as they are). */
export function toEventMetrics(input: EventMetricsInput): EventMetrics {
  if (input instanceof EventMetrics) return input;
  const event = new EventMetrics(
    required<string>(input, "eventName", "event_name", "string"),
    required<string>(input, "taskId", "task_id", "string"),
    required<number>(input, "startTime", "start_time", "number"),
    field<number>(input, "processId", "process_id", "number"),
    { ...input.attributes },
  );
  event.endTime = field<number>(input, "endTime", "end_time", "number");
  event.status = input.status ?? (event.endTime === undefined ? "pending" : input.error ? "failed" : "completed");
  event.error = input.error;
  event.retryCount = field<number>(input, "retryCount", "retry_count", "number") ?? 0;
  return event;
}

export function toNetworkMetrics(input: NetworkMetricsInput): NetworkMetrics {
  if (input instanceof NetworkMetrics) return input;
  const op = new NetworkMetrics(
    field<string>(input, "taskId", "task_id", "string") ?? "",
    required<string>(input, "host", "host", "string"),
    required<number>(input, "port", "port", "number"),
    required<string>(input, "operation", "operation", "string"),
    required<number>(input, "startTime", "start_time", "number"),
  );
  op.endTime = field<number>(input, "endTime", "end_time", "number");
  op.bytesSent = field<number>(input, "bytesSent", "bytes_sent", "number") ?? 0;
  op.bytesReceived = field<number>(input, "bytesReceived", "bytes_received", "number") ?? 0;
  op.error = input.error;
  return op;
}

/** A plain object is a network operation when it names a host, as a task execution never does. */
const isNetwork = (input: EventMetricsInput | NetworkMetricsInput): input is NetworkMetricsInput =>
  input instanceof NetworkMetrics || (!(input instanceof EventMetrics) && "host" in input);

/**
 * The standard dictionary every publisher sends: snake_case fields as on the wire, so a document
 * in Elasticsearch reads the same as a record in Tracedeck. Unset optional fields are left out.
 */
export function formatMetrics(metrics: EventMetricsInput): FormattedEvent;
export function formatMetrics(metrics: NetworkMetricsInput): FormattedNetworkOp;
export function formatMetrics(metrics: EventMetricsInput | NetworkMetricsInput): FormattedEvent | FormattedNetworkOp;
export function formatMetrics(input: EventMetricsInput | NetworkMetricsInput): FormattedEvent | FormattedNetworkOp {
  if (!isNetwork(input)) {
    const metrics = toEventMetrics(input);
    return {
      event_name: metrics.eventName,
      task_id: metrics.taskId,
      start_time: metrics.startTime,
      ...(metrics.endTime !== undefined ? { end_time: metrics.endTime, duration_seconds: metrics.duration() } : {}),
      status: metrics.status,
      ...(metrics.error !== undefined ? { error: metrics.error } : {}),
      retry_count: metrics.retryCount,
      ...(metrics.processId !== undefined ? { process_id: metrics.processId } : {}),
      attributes: { ...metrics.attributes },
    };
  }
  const metrics = toNetworkMetrics(input);
  return {
    task_id: metrics.taskId,
    host: metrics.host,
    port: metrics.port,
    operation: metrics.operation,
    start_time: metrics.startTime,
    ...(metrics.endTime !== undefined ? { end_time: metrics.endTime, latency_seconds: metrics.latency() } : {}),
    bytes_sent: metrics.bytesSent,
    bytes_received: metrics.bytesReceived,
    ...(metrics.error !== undefined ? { error: metrics.error } : {}),
  };
}
