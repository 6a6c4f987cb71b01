import { EventMetrics, NetworkMetrics, nowSeconds, type EventAttributes } from "./metrics";

// Every method here runs to completion without awaiting, so concurrent async tasks (the Node
// counterpart of the reference's threads) can never observe or leave a half-updated record.

/** Records kept per logger unless told otherwise: enough for a busy pipeline's recent history. */
export const DEFAULT_MAX_RECORDS = 10_000;

/** A map that forgets its oldest entries past a cap, and counts what it forgot. */
class BoundedRecords<T> {
  private readonly records = new Map<string, T>();
  dropped = 0;

  constructor(private readonly maxRecords: number) {
    if (!Number.isInteger(maxRecords) || maxRecords < 1) throw new RangeError("maxRecords must be a positive integer");
  }

  /** Stores a record as the newest, dropping the oldest when the cap is reached. */
  set(key: string, record: T): void {
    this.records.delete(key);
    if (this.records.size >= this.maxRecords) {
      const oldest = this.records.keys().next().value;
      if (oldest !== undefined) this.records.delete(oldest);
      this.dropped++;
    }
    this.records.set(key, record);
  }

  get(key: string): T | undefined {
    return this.records.get(key);
  }

  values(): T[] {
    return [...this.records.values()];
  }

  get size(): number {
    return this.records.size;
  }

  clear(): void {
    this.records.clear();
    this.dropped = 0;
  }
}

export interface TelemetryOptions {
  /** How many records to keep; past it the oldest are dropped (and counted in `dropped`). */
  maxRecords?: number;
}

/** Task executions of an event pipeline: when each started and ended, how it failed, how often it was retried. */
export class TelemetryLogger {
  private readonly events: BoundedRecords<EventMetrics>;

  constructor(options: TelemetryOptions = {}) {
    this.events = new BoundedRecords(options.maxRecords ?? DEFAULT_MAX_RECORDS);
  }

  /**
   * Records that a task started (in this process unless another process id is given). Starting a
   * task id again is a new attempt of the same task: it runs from now, but keeps the retries
   * counted so far.
   */
  startEvent(
    eventName: string,
    taskId: string,
    processId: number | undefined = process.pid,
    attributes: EventAttributes = {},
  ): EventMetrics {
    const previous = this.events.get(taskId);
    const metrics = new EventMetrics(eventName, taskId, nowSeconds(), processId, {
      ...previous?.attributes,
      ...attributes,
    });
    metrics.retryCount = previous?.retryCount ?? 0;
    this.events.set(taskId, metrics);
    return metrics;
  }

  /** Records that a task ended: failed when an error is given, completed otherwise. Unknown tasks are ignored. */
  endEvent(taskId: string, error?: string): EventMetrics | undefined {
    const metrics = this.events.get(taskId);
    if (!metrics) return undefined;
    metrics.endTime = nowSeconds();
    metrics.status = error === undefined ? "completed" : "failed";
    metrics.error = error;
    return metrics;
  }

  /** Counts one more attempt of a task (unknown tasks are ignored). */
  recordRetry(taskId: string): EventMetrics | undefined {
    const metrics = this.events.get(taskId);
    if (metrics) metrics.retryCount++;
    return metrics;
  }

  getMetrics(taskId: string): EventMetrics | undefined {
    return this.events.get(taskId);
  }

  /** Every kept record, oldest first. */
  getAllMetrics(): EventMetrics[] {
    return this.events.values();
  }

  /** Records forgotten because the cap was reached. */
  get dropped(): number {
    return this.events.dropped;
  }

  clear(): void {
    this.events.clear();
  }
}

/** Network operations made by tasks: which host, how long, how many bytes, and whether they failed. */
export class NetworkTelemetry {
  private readonly operations: BoundedRecords<NetworkMetrics>;

  constructor(options: TelemetryOptions = {}) {
    this.operations = new BoundedRecords(options.maxRecords ?? DEFAULT_MAX_RECORDS);
  }

  /** Records that a task started talking to a host (a task has one operation in flight at a time). */
  startOperation(taskId: string, host: string, port: number, operation = "remote_call"): NetworkMetrics {
    const metrics = new NetworkMetrics(taskId, host, port, operation, nowSeconds());
    this.operations.set(taskId, metrics);
    return metrics;
  }

  /** Records that a task's operation ended, with the bytes moved and the error if it failed. Unknown tasks are ignored. */
  endOperation(taskId: string, bytesSent = 0, bytesReceived = 0, error?: string): NetworkMetrics | undefined {
    const metrics = this.operations.get(taskId);
    if (!metrics) return undefined;
    metrics.endTime = nowSeconds();
    metrics.bytesSent = bytesSent;
    metrics.bytesReceived = bytesReceived;
    metrics.error = error;
    return metrics;
  }

  getMetrics(taskId: string): NetworkMetrics | undefined {
    return this.operations.get(taskId);
  }

  /** Every kept operation, oldest first. */
  getAllMetrics(): NetworkMetrics[] {
    return this.operations.values();
  }

  /** Operations that ended with an error, by task id. */
  getFailedOperations(): Map<string, NetworkMetrics> {
    return new Map(
      this.operations
        .values()
        .filter((m) => m.error !== undefined)
        .map((m) => [m.taskId, m]),
    );
  }

  /** Finished operations whose latency exceeded the threshold, by task id. */
  getSlowOperations(thresholdSeconds = 1): Map<string, NetworkMetrics> {
    return new Map(
      this.operations
        .values()
        .filter((m) => (m.latency() ?? 0) > thresholdSeconds)
        .map((m) => [m.taskId, m]),
    );
  }

  /** Operations forgotten because the cap was reached. */
  get dropped(): number {
    return this.operations.dropped;
  }

  clear(): void {
    this.operations.clear();
  }
}
