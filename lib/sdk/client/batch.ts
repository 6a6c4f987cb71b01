import { timeoutMs, type TimeSpan } from "./timeout";
/** Why items left the queue without being exported. */
export type DropReason = "queue_full" | "shut_down" | "export_failed";

export interface BatchProcessorOptions<T> {
  /** Sends one batch; a rejection counts the batch as failed. The signal aborts when shutdown runs out of time. */
  exportBatch: (items: T[], options: { signal: AbortSignal }) => Promise<unknown>;
  /** Items per export; reaching it starts an export without waiting for the timer (default 512). */
  batchSize?: number;
  /** The longest an item waits in the queue before it is exported (default 5 s). */
  flushIntervalMs?: number;
  /** Items held at most; beyond it new items are dropped, so a dead server cannot exhaust memory (default 10,000). */
  maxQueueSize?: number;
  /** Told about every dropped or failed item, with the reason. */
  onDrop?: (items: T[], reason: DropReason, error?: unknown) => void;
}

/**
 * Collects items and exports them in batches, when a batch is full or the interval passes.
 * Adding never blocks and never throws; export failures are reported through `onDrop` and the
 * counters, never to the code that added the items. Its timer does not keep the process alive.
 */
export class BatchProcessor<T> {
  readonly #exportBatch: BatchProcessorOptions<T>["exportBatch"];
  readonly #batchSize: number;
  readonly #maxQueueSize: number;
  readonly #onDrop: BatchProcessorOptions<T>["onDrop"];
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #abort = new AbortController();
  #queue: T[] = [];
  /** The export chain: one batch at a time, in the order added. */
  #exporting: Promise<void> = Promise.resolve();
  #shutDown = false;
  #exported = 0;
  #dropped = 0;
  #failed = 0;

  constructor(options: BatchProcessorOptions<T>) {
    this.#exportBatch = options.exportBatch;
    this.#batchSize = options.batchSize ?? 512;
    this.#maxQueueSize = options.maxQueueSize ?? 10_000;
    this.#onDrop = options.onDrop;
    if (!(this.#batchSize > 0 && this.#maxQueueSize >= this.#batchSize))
      throw new RangeError("batchSize must be > 0 and at most maxQueueSize");
    this.#timer = setInterval(() => {
      if (this.#queue.length > 0) void this.flush();
    }, options.flushIntervalMs ?? 5_000);
    this.#timer.unref?.();
  }

  /** Queues one item; false when it was dropped (queue full, or shut down). */
  add(item: T): boolean {
    return this.addMany([item]) === 1;
  }

  /** Queues items; returns how many were accepted, the rest reported as dropped. */
  addMany(items: readonly T[]): number {
    if (this.#shutDown) {
      this.#drop([...items], "shut_down");
      return 0;
    }
    const room = Math.max(0, this.#maxQueueSize - this.#queue.length);
    const accepted = items.slice(0, room);
    this.#queue.push(...accepted);
    if (accepted.length < items.length) this.#drop(items.slice(room), "queue_full");
    if (this.#queue.length >= this.#batchSize) void this.#exportFullBatches();
    return accepted.length;
  }

  /** Exports everything queued now; resolves with how many items were exported (failed ones are reported through onDrop). */
  flush(): Promise<number> {
    return this.#enqueue(() => this.#queue.length > 0);
  }

  /**
   * Stops the timer, refuses new items, and exports what is queued. Resolves true when all of it
   * was exported in time; false when the time ran out: the export in flight is aborted and what
   * is left is reported as dropped. Never rejects, so it is safe in an exit handler. `timeout`: seconds, as the
   * reference client takes it, or a TimeSpan.
   */
  async shutdown(timeout: number | TimeSpan = 30): Promise<boolean> {
    clearInterval(this.#timer);
    if (this.#shutDown) return this.#queue.length === 0;
    this.#shutDown = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ms = timeoutMs(timeout);
    const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
    const outcome = await Promise.race([this.flush(), timedOut]);
    clearTimeout(timer);
    if (outcome !== "timeout") return true;
    this.#abort.abort(new Error("the batch processor shut down before this export finished"));
    const left = this.#queue;
    this.#queue = [];
    if (left.length > 0) this.#drop(left, "shut_down");
    return false;
  }

  /** Items waiting to be exported. */
  get queueLength(): number {
    return this.#queue.length;
  }

  get exportedCount(): number {
    return this.#exported;
  }

  /** Items never queued: the queue was full or the processor shut down. */
  get droppedCount(): number {
    return this.#dropped;
  }

  /** Items whose export failed. */
  get failedCount(): number {
    return this.#failed;
  }

  #exportFullBatches(): Promise<number> {
    return this.#enqueue(() => this.#queue.length >= this.#batchSize);
  }

  /** Appends to the export chain: takes batches while `more()` holds, and counts what was exported. */
  #enqueue(more: () => boolean): Promise<number> {
    let exported = 0;
    const run = this.#exporting.then(async () => {
      while (more() && !this.#abort.signal.aborted) {
        const batch = this.#queue.splice(0, this.#batchSize);
        try {
          await this.#exportBatch(batch, { signal: this.#abort.signal });
          exported += batch.length;
          this.#exported += batch.length;
        } catch (error) {
          this.#failed += batch.length;
          this.#report(batch, "export_failed", error);
        }
      }
    });
    this.#exporting = run;
    return run.then(() => exported);
  }

  #drop(items: T[], reason: DropReason): void {
    this.#dropped += items.length;
    this.#report(items, reason);
  }

  #report(items: T[], reason: DropReason, error?: unknown): void {
    try {
      this.#onDrop?.(items, reason, error);
    } catch {
      // a failing callback must not break the queue or reach the code that added the items
    }
  }
}
