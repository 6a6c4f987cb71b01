import { describeFailure } from "./failure";

// How a server-side publisher moves records to its target without ever slowing ingest: ingest
// hands records over synchronously (`offer`) after they are committed to Tracedeck's own store;
// a background loop sends them in batches. A batch the target cannot take goes back to the front
// of the queue and the publisher backs off (its circuit opens: no request until the backoff has
// passed, then one batch to probe); the queue is bounded, and what it lets go is counted.

export type ForwarderState = "healthy" | "degraded" | "failing";

/** What a publisher's status row holds, kept in memory between writes. */
export interface ForwarderStatus {
  state: ForwarderState;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  sent: number;
  failed: number;
  dropped: number;
  backlog: number;
}

/** What a target made of one batch: the records to try again (by position) and those refused for good. */
export interface Delivery {
  /** Positions in the batch of records the target could not take now (overloaded): sent again later. */
  retry?: number[];
  /** How many records the target refused for good (they are counted as failed, not sent again). */
  rejected: number;
  /** Why records were refused. */
  error?: string;
  /** Why records are to be sent again. */
  retryError?: string;
}

/** Something a forwarder sends to. `send` throws when the target could not take the batch at all. */
export interface Target<T> {
  send(batch: T[], signal: AbortSignal): Promise<Delivery>;
  close?(): Promise<void>;
}

export interface ForwarderOptions {
  /** Records per request (default 500). */
  batchSize: number;
  /** Records held while the target is slow or down; past it the oldest are dropped (default 10 000). */
  maxQueue: number;
  /** Milliseconds between sends of a partial batch (default 1 s). */
  flushIntervalMs: number;
  /** First backoff after a failure, doubled on each further failure up to `retryMaxMs`. */
  retryInitialMs: number;
  retryMaxMs: number;
  /** Milliseconds one request may take before it counts as failed. */
  timeoutMs: number;
}

export const DEFAULT_FORWARDER_OPTIONS: ForwarderOptions = {
  batchSize: 500,
  maxQueue: 10_000,
  flushIntervalMs: 1000,
  retryInitialMs: 1000,
  retryMaxMs: 60_000,
  timeoutMs: 10_000,
};

/** The backoff before the n-th consecutive retry (n ≥ 1): exponential, capped, with ±20% jitter so many nodes do not retry in step. */
export function backoffMs(failures: number, initialMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** How long records refused or dropped keep a publisher degraded (when it is not failing). */
export const DEGRADED_FOR_MS = 5 * 60_000;

/** Counts and the last outcomes, turned into a state; shared by the record forwarder and the metric pusher. */
export class Health {
  sent = 0;
  failed = 0;
  dropped = 0;
  consecutiveFailures = 0;
  private lastSuccessAt: Date | null = null;
  private lastError: string | null = null;
  private lastErrorAt: Date | null = null;
  /** when records were last refused or dropped: the publisher is degraded for a while after */
  private lastLossAt = -Infinity;

  constructor(private readonly now: () => number = Date.now) {}

  succeeded(count: number): void {
    this.sent += count;
    this.lastSuccessAt = new Date(this.now());
    this.consecutiveFailures = 0;
  }

  attemptFailed(error: string): void {
    this.consecutiveFailures += 1;
    this.noteError(error);
  }

  rejected(count: number, error: string): void {
    this.failed += count;
    this.lastLossAt = this.now();
    this.noteError(error);
  }

  droppedRecords(count: number, error: string): void {
    this.dropped += count;
    this.lastLossAt = this.now();
    this.noteError(error);
  }

  private noteError(error: string): void {
    this.lastError = error.slice(0, 4000);
    this.lastErrorAt = new Date(this.now());
  }

  status(backlog: number): ForwarderStatus {
    const lossIsRecent = this.now() - this.lastLossAt < DEGRADED_FOR_MS;
    return {
      state: this.consecutiveFailures > 0 ? "failing" : lossIsRecent ? "degraded" : "healthy",
      lastSuccessAt: this.lastSuccessAt,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      sent: this.sent,
      failed: this.failed,
      dropped: this.dropped,
      backlog,
    };
  }
}

/** A bounded queue in front of one target, drained in batches from the background, with backoff. */
export class Forwarder<T> {
  readonly health: Health;
  private queue: T[] = [];
  private readonly timer: ReturnType<typeof setInterval>;
  private sending: Promise<void> | undefined;
  /** No request before this time (epoch ms): the circuit is open after a failure. */
  private openUntil = 0;
  private closed = false;

  constructor(
    private readonly target: Target<T>,
    readonly options: ForwarderOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.health = new Health(now);
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  get backlog(): number {
    return this.queue.length;
  }

  /** Takes records to send; returns at once, whatever the target is doing. */
  offer(records: readonly T[]): void {
    if (records.length === 0) return;
    if (this.closed) {
      this.health.droppedRecords(records.length, "publisher stopped");
      return;
    }
    for (const record of records) this.queue.push(record);
    this.trim();
    if (this.queue.length >= this.options.batchSize) void this.flush();
  }

  private trim(): void {
    const excess = this.queue.length - this.options.maxQueue;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.health.droppedRecords(excess, `queue full (${this.options.maxQueue} records): dropped the oldest ${excess}`);
    }
  }

  status(): ForwarderStatus {
    return this.health.status(this.queue.length);
  }

  /** Sends what is queued, batch after batch, unless the circuit is open; stops at the first failure. Never rejects. */
  flush(): Promise<void> {
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && this.now() >= this.openUntil) {
      const batch = this.queue.splice(0, this.options.batchSize);
      let delivery: Delivery;
      try {
        delivery = await this.target.send(batch, AbortSignal.timeout(this.options.timeoutMs));
      } catch (error) {
        this.fail(describeFailure(error));
        this.requeue(batch);
        return;
      }
      const retry = (delivery.retry ?? []).map((i) => batch[i]).filter((r): r is T => r !== undefined);
      const delivered = batch.length - delivery.rejected - retry.length;
      const error = delivery.error ?? `${delivery.rejected} records refused`;
      if (delivered > 0) this.health.succeeded(delivered);
      if (delivery.rejected > 0) this.health.rejected(delivery.rejected, error);
      if (retry.length > 0) {
        // the target is overloaded: what it could not take now waits for the backoff
        this.fail(delivery.retryError ?? `${retry.length} records to send again`);
        this.requeue(retry);
        return;
      }
      // a target that refuses every record (a broken mapping, a revoked key) is failing, not degraded
      if (delivered === 0) {
        this.fail(error);
        return;
      }
    }
  }

  private fail(error: string): void {
    this.health.attemptFailed(error);
    this.openUntil =
      this.now() + backoffMs(this.health.consecutiveFailures, this.options.retryInitialMs, this.options.retryMaxMs);
  }

  /** Puts records back at the front; if newer ones filled the queue meanwhile, the oldest go. */
  private requeue(records: T[]): void {
    this.queue = records.concat(this.queue);
    this.trim();
  }

  /** Takes the queue over from the forwarder this one replaces (its config changed). */
  adopt(previous: Forwarder<T>): void {
    const records = previous.queue.splice(0);
    this.queue = records.concat(this.queue);
    this.trim();
  }

  /** One last attempt to send what is queued (within the backoff rules), then stops the timer. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
    await this.target.close?.().catch(() => undefined);
  }
}
