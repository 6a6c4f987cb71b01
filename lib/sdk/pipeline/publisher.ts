import { errorMessage } from "../../shared/error-message";
import {
  formatMetrics,
  type FormattedEvent,
  type FormattedNetworkOp,
  type EventMetricsInput,
  type NetworkMetricsInput,
} from "./metrics";

/** Where a publisher sends pipeline metrics. Publishing only enqueues or records: it never throws and never waits on the network. */
export interface MetricsPublisher {
  /** The name it reports its health under in Tracedeck. */
  readonly name: string;
  publishEventMetrics(metrics: EventMetricsInput): void;
  publishNetworkMetrics(metrics: NetworkMetricsInput): void;
  formatMetrics(metrics: EventMetricsInput): FormattedEvent;
  formatMetrics(metrics: NetworkMetricsInput): FormattedNetworkOp;
  /** Current health, as reported to Tracedeck. */
  status(): PublisherStatus;
  /** Sends what is queued, reports a last status, and stops background work. */
  close(): Promise<void>;
}

export type PublisherType = "elasticsearch" | "prometheus" | "grafana_cloud" | "composite" | "other";
export type PublisherState = "healthy" | "degraded" | "failing";

/** A publisher's health as `POST /api/v1/publishers/status` takes it. */
export interface PublisherStatus {
  name: string;
  type: PublisherType;
  /** Where it sends (URL or host), never a credential. */
  target?: string;
  state: PublisherState;
  last_success_at?: string;
  last_error?: string;
  last_error_at?: string;
  sent_count: number;
  /** Records the target refused, or that could not be sent. */
  failed_count: number;
  /** Records let go because the queue was full (or the publisher closed). */
  dropped_count: number;
  backlog: number;
}

/** Where and how often a publisher reports its health to Tracedeck. */
export interface StatusReporting {
  /** The Tracedeck server, e.g. `https://tracedeck.example.com`. */
  url: string;
  /** An API key with the ingest scope, as `key_id:key_secret`. */
  key: string;
  /** Milliseconds between reports (default 30 s). */
  intervalMs?: number;
}

export interface PublisherOptions {
  name?: string;
  /** Report this publisher's health to Tracedeck periodically and on close. */
  statusReporting?: StatusReporting;
}

/** Milliseconds a request to a target may take before it counts as failed. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Joins a base URL and a path without doubling or losing the slash between them. */
export const joinUrl = (base: string, path: string): string => base.replace(/\/+$/, "") + path;

/**
 * Counts sends and failures and turns them into a state: failing while the latest attempt failed,
 * degraded while it worked but records were rejected or dropped since the status was last
 * delivered to Tracedeck (for good, without status reporting), healthy otherwise.
 */
export class Health {
  sent = 0;
  failed = 0;
  dropped = 0;
  private lastSuccessAt: Date | undefined;
  private lastError: string | undefined;
  private lastErrorAt: Date | undefined;
  private latestFailed = false;
  private lossSinceReport = false;

  succeeded(count: number): void {
    this.sent += count;
    this.lastSuccessAt = new Date();
    this.latestFailed = false;
  }

  /** Records lost for good (rejected by the target, or dropped); the target itself answered. */
  lost(count: number, error: string): void {
    this.failed += count;
    this.lossSinceReport = true;
    this.noteError(error);
  }

  /** Records let go before they were sent (a full queue); counted apart from refusals. */
  droppedRecords(count: number, error: string): void {
    this.dropped += count;
    this.lossSinceReport = true;
    this.noteError(error);
  }

  /** The target could not be reached or refused the whole batch. */
  attemptFailed(error: string): void {
    this.latestFailed = true;
    this.noteError(error);
  }

  private noteError(error: string): void {
    this.lastError = error;
    this.lastErrorAt = new Date();
  }

  snapshot(identity: { name: string; type: PublisherType; target?: string }, backlog: number): PublisherStatus {
    return {
      ...identity,
      ...(identity.target !== undefined ? { target: identity.target.slice(0, 2000) } : {}),
      state: this.latestFailed ? "failing" : this.lossSinceReport ? "degraded" : "healthy",
      ...(this.lastSuccessAt ? { last_success_at: this.lastSuccessAt.toISOString() } : {}),
      ...(this.lastError !== undefined ? { last_error: this.lastError.slice(0, 4000) } : {}),
      ...(this.lastErrorAt ? { last_error_at: this.lastErrorAt.toISOString() } : {}),
      sent_count: this.sent,
      failed_count: this.failed,
      dropped_count: this.dropped,
      backlog,
    };
  }

  /** Called once a status has reached Tracedeck: losses already reported stop degrading the state. */
  reported(): void {
    this.lossSinceReport = false;
  }
}

/** Sends publishers' statuses to `POST /api/v1/publishers/status` on a timer that does not keep the process alive. */
export class StatusReporter {
  private readonly timer: ReturnType<typeof setInterval>;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly reporting: StatusReporting,
    private readonly statuses: () => PublisherStatus[],
    private readonly onReported: () => void,
  ) {
    this.timer = setInterval(() => void this.report(), reporting.intervalMs ?? 30_000);
    this.timer.unref();
  }

  /** Reports now; never rejects (a status that cannot be delivered is simply sent again next time). */
  report(): Promise<void> {
    this.inFlight ??= this.send().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async send(): Promise<void> {
    try {
      const response = await fetch(joinUrl(this.reporting.url, "/api/v1/publishers/status"), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${this.reporting.key}` },
        body: JSON.stringify({ publishers: this.statuses() }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.ok) this.onReported();
    } catch {
      // the next report carries the same counters
    }
  }

  /** Stops the timer and sends a last report. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
    await this.report();
  }
}

/** What a target made of one batch: how many of its records it rejected (they are not retried), and why. */
export interface BatchResult {
  rejected: number;
  error?: string;
}

export interface BatchingOptions extends PublisherOptions {
  /** Records sent per request (default 500). */
  batchSize?: number;
  /** Milliseconds between sends of a partial batch (default 1 s). */
  flushIntervalMs?: number;
  /** Records held while the target is slow or down; past it the oldest are dropped and counted (default 10 000). */
  maxQueue?: number;
}

export type QueuedRecord = { kind: "event"; record: FormattedEvent } | { kind: "network"; record: FormattedNetworkOp };

/**
 * A publisher that queues formatted records and sends them in batches from the background, one
 * request at a time. A batch the target could not take goes back to the front of the queue and
 * is tried again on the next tick; the queue is bounded so a dead target cannot grow memory.
 */
export abstract class BatchingPublisher implements MetricsPublisher {
  abstract readonly name: string;
  protected abstract readonly type: PublisherType;
  protected abstract readonly target: string | undefined;
  protected readonly health = new Health();
  private queue: QueuedRecord[] = [];
  private readonly batchSize: number;
  private readonly maxQueue: number;
  private readonly timer: ReturnType<typeof setInterval>;
  private sending: Promise<void> | undefined;
  private readonly reporter: StatusReporter | undefined;
  private closed = false;
  /** Set when the target failed: a full batch then waits for the next tick instead of hammering it. */
  private waitForTick = false;

  constructor(options: BatchingOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.maxQueue = options.maxQueue ?? 10_000;
    this.timer = setInterval(() => {
      this.waitForTick = false;
      void this.flush();
    }, options.flushIntervalMs ?? 1000);
    this.timer.unref();
    if (options.statusReporting) {
      this.reporter = new StatusReporter(
        options.statusReporting,
        () => [this.status()],
        () => this.health.reported(),
      );
    }
  }

  /** Sends one batch; throws when the target could not take it at all (it will be retried). */
  protected abstract send(batch: QueuedRecord[]): Promise<BatchResult>;

  formatMetrics(metrics: EventMetricsInput): FormattedEvent;
  formatMetrics(metrics: NetworkMetricsInput): FormattedNetworkOp;
  formatMetrics(metrics: EventMetricsInput | NetworkMetricsInput): FormattedEvent | FormattedNetworkOp {
    return formatMetrics(metrics);
  }

  publishEventMetrics(metrics: EventMetricsInput): void {
    this.enqueue([{ kind: "event", record: formatMetrics(metrics) }]);
  }

  publishNetworkMetrics(metrics: NetworkMetricsInput): void {
    this.enqueue([{ kind: "network", record: formatMetrics(metrics) }]);
  }

  status(): PublisherStatus {
    return this.health.snapshot(
      { name: this.name, type: this.type, ...(this.target ? { target: this.target } : {}) },
      this.queue.length,
    );
  }

  private enqueue(records: QueuedRecord[], atFront = false): void {
    if (this.closed) {
      this.health.droppedRecords(records.length, "published after close");
      return;
    }
    if (atFront) this.queue.unshift(...records);
    else this.queue.push(...records);
    const excess = this.queue.length - this.maxQueue;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.health.droppedRecords(excess, `queue full (${this.maxQueue} records): dropped the oldest`);
    }
    if (!atFront && !this.waitForTick && this.queue.length >= this.batchSize) void this.flush();
  }

  /** Sends everything queued now, one batch after another; stops at the first batch the target cannot take. Never rejects. */
  flush(): Promise<void> {
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      try {
        const { rejected, error } = await this.send(batch);
        const delivered = batch.length - rejected;
        const reason = error ?? `${rejected} records rejected`;
        if (delivered > 0) this.health.succeeded(delivered);
        if (rejected > 0) this.health.lost(rejected, reason);
        // a target that refuses every record (a revoked key, a broken mapping) is failing, not degraded
        if (delivered === 0) this.health.attemptFailed(reason);
      } catch (error) {
        this.health.attemptFailed(errorMessage(error));
        this.waitForTick = true;
        this.enqueue(batch, true);
        return;
      }
    }
  }

  /** Sends what is queued (one attempt; what the target does not take is counted as failed), reports a last status and stops the timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
    if (this.queue.length > 0)
      this.health.lost(this.queue.splice(0).length, "not sent before close: the target did not take them");
    await this.closeTarget();
    await this.reporter?.close();
  }

  /** Releases the target's client, if the publisher holds one. */
  protected async closeTarget(): Promise<void> {}
}
