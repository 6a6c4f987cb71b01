import { errorMessage } from "../../shared/error-message";
import { NetworkTelemetry, TelemetryLogger } from "./logger";
import { formatMetrics, type EventAttributes, type FormattedEvent, type FormattedNetworkOp } from "./metrics";
import type { MetricsPublisher } from "./publisher";

// The reference's module-level helpers. Each works on the shared default logger (what most
// applications want: one per process) or on the instance passed in. Records come back in the wire
// shape (snake_case), as publishers send them and as Tracedeck's query API answers, so code can
// move between local and server-side queries without renaming fields.

/** The process-wide logger used when none is given. */
export const defaultLogger = new TelemetryLogger();
/** The process-wide network telemetry used when none is given. */
export const defaultNetworkTelemetry = new NetworkTelemetry();

export interface MonitorOptions {
  /** Where each start and end is published (they never see an exception from here). */
  publishers?: MetricsPublisher[];
  logger?: TelemetryLogger;
  /** The task id of one call; calls sharing an id after a failure count as retries of that task. Default: a new id per call. */
  taskId?: (...args: never[]) => string;
  attributes?: EventAttributes;
}

/**
 * Monitors a function as a pipeline event: every call is recorded as a task execution (started,
 * then completed, or failed with the error's message), published to the given publishers, and
 * passed through unchanged: same arguments, same result, same exception. Async functions are
 * timed until their promise settles.
 *
 * ```ts
 * const monitored = monitorEvents({ publishers: [tracedeck] });
 * const resize = monitored(async (image: Image) => { ... }, "resize_image");
 * ```
 */
export function monitorEvents(options: MonitorOptions = {}) {
  const logger = options.logger ?? defaultLogger;
  const publishers = options.publishers ?? [];
  const publish = (taskId: string) => {
    const metrics = logger.getMetrics(taskId);
    if (!metrics) return;
    for (const publisher of publishers) {
      try {
        publisher.publishEventMetrics(metrics);
      } catch {
        // a publisher's failure is its own status to report, never the monitored function's
      }
    }
  };

  return <A extends unknown[], R>(
    fn: (...args: A) => R,
    eventName: string = fn.name || "anonymous",
  ): ((...args: A) => R) => {
    const taskIdOf = options.taskId as ((...args: A) => string) | undefined;
    return (...args: A): R => {
      const taskId = taskIdOf?.(...args) ?? `${eventName}-${crypto.randomUUID()}`;
      if (logger.getMetrics(taskId)?.status === "failed") logger.recordRetry(taskId);
      logger.startEvent(eventName, taskId, process.pid, options.attributes);
      publish(taskId);
      const end = (error?: unknown) => {
        logger.endEvent(taskId, error === undefined ? undefined : errorMessage(error));
        publish(taskId);
      };
      let result: R;
      try {
        result = fn(...args);
      } catch (error) {
        end(error ?? "failed");
        throw error;
      }
      if (result instanceof Promise) {
        return result.then(
          (value: unknown) => {
            end();
            return value;
          },
          (error: unknown) => {
            end(error ?? "failed");
            throw error;
          },
        ) as R;
      }
      end();
      return result;
    };
  };
}

export interface CollectedMetrics {
  events: FormattedEvent[];
  operations: FormattedNetworkOp[];
  /** Records forgotten because a logger's cap was reached. */
  dropped_events: number;
  dropped_operations: number;
}

/** Everything collected, as a JSON string (events and network operations, oldest first). */
export function getMetrics(
  logger: TelemetryLogger = defaultLogger,
  network: NetworkTelemetry = defaultNetworkTelemetry,
): string {
  const collected: CollectedMetrics = {
    events: logger.getAllMetrics().map((m) => formatMetrics(m)),
    operations: network.getAllMetrics().map((m) => formatMetrics(m)),
    dropped_events: logger.dropped,
    dropped_operations: network.dropped,
  };
  return JSON.stringify(collected);
}

/** Task executions that failed, oldest first. */
export function getFailedEvents(logger: TelemetryLogger = defaultLogger): FormattedEvent[] {
  return logger
    .getAllMetrics()
    .filter((m) => m.status === "failed")
    .map((m) => formatMetrics(m));
}

/** Finished task executions that took longer than the threshold, slowest first. */
export function getSlowEvents(thresholdSeconds = 1, logger: TelemetryLogger = defaultLogger): FormattedEvent[] {
  return logger
    .getAllMetrics()
    .filter((m) => (m.duration() ?? 0) > thresholdSeconds)
    .sort((a, b) => (b.duration() ?? 0) - (a.duration() ?? 0))
    .map((m) => formatMetrics(m));
}

export interface EventNameRetryStats {
  event_name: string;
  runs: number;
  failures: number;
  retries: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

/** Retry statistics, shaped as `GET /api/v1/pipeline/retry-stats` answers them. */
export interface RetryStats {
  total_events: number;
  events_retried: number;
  total_retries: number;
  /** events retried / total events (0…1) */
  retry_rate: number;
  max_retries: number;
  by_event_name: EventNameRetryStats[];
}

/** A percentile with linear interpolation between the closest ranks, as Postgres' percentile_cont computes it. */
function percentile(sorted: number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = fraction * (sorted.length - 1);
  const below = sorted[Math.floor(rank)] ?? 0;
  const above = sorted[Math.ceil(rank)] ?? below;
  return below + (above - below) * (rank - Math.floor(rank));
}

/** How often tasks were retried, overall and per event name (durations of finished runs only). */
export function getRetryStats(logger: TelemetryLogger = defaultLogger): RetryStats {
  const events = logger.getAllMetrics();
  const byName = new Map<string, { runs: number; failures: number; retries: number; durationsMs: number[] }>();
  for (const m of events) {
    const stats = byName.get(m.eventName) ?? { runs: 0, failures: 0, retries: 0, durationsMs: [] };
    stats.runs++;
    if (m.status === "failed") stats.failures++;
    stats.retries += m.retryCount;
    const duration = m.duration();
    if (duration !== undefined) stats.durationsMs.push(duration * 1000);
    byName.set(m.eventName, stats);
  }
  const retried = events.filter((m) => m.retryCount > 0).length;
  return {
    total_events: events.length,
    events_retried: retried,
    total_retries: events.reduce((n, m) => n + m.retryCount, 0),
    retry_rate: events.length ? retried / events.length : 0,
    max_retries: events.reduce((n, m) => Math.max(n, m.retryCount), 0),
    by_event_name: [...byName.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([eventName, s]) => {
        const sorted = s.durationsMs.sort((a, b) => a - b);
        return {
          event_name: eventName,
          runs: s.runs,
          failures: s.failures,
          retries: s.retries,
          p50_ms: percentile(sorted, 0.5),
          p95_ms: percentile(sorted, 0.95),
        };
      }),
  };
}

/** Network operations that failed, by task id. */
export function getFailedNetworkOps(
  network: NetworkTelemetry = defaultNetworkTelemetry,
): Record<string, FormattedNetworkOp> {
  return Object.fromEntries([...network.getFailedOperations()].map(([taskId, m]) => [taskId, formatMetrics(m)]));
}

/** Network operations slower than the threshold, by task id. */
export function getSlowNetworkOps(
  thresholdSeconds = 1,
  network: NetworkTelemetry = defaultNetworkTelemetry,
): Record<string, FormattedNetworkOp> {
  return Object.fromEntries(
    [...network.getSlowOperations(thresholdSeconds)].map(([taskId, m]) => [taskId, formatMetrics(m)]),
  );
}
