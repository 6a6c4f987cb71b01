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

/**
 * The standard dictionary every publisher sends: snake_case fields as on the wire, so a document
 * in Elasticsearch reads the same as a record in Tracedeck. Unset optional fields are left out.
 */
export function formatMetrics(metrics: EventMetrics): FormattedEvent;
export function formatMetrics(metrics: NetworkMetrics): FormattedNetworkOp;
export function formatMetrics(metrics: EventMetrics | NetworkMetrics): FormattedEvent | FormattedNetworkOp;
export function formatMetrics(metrics: EventMetrics | NetworkMetrics): FormattedEvent | FormattedNetworkOp {
  if (metrics instanceof EventMetrics) {
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
