import type { Database } from "@/db";
import { ApiError } from "@/lib/errors";
import type { RecordBatch } from "@/lib/model/records";
import type { NotStored } from "./window";
import { ingestWriter } from "./writer";

// A database that went silent (stopped, paused, cut off by the network with its connections left open) makes a
// write wait for ever: the driver queues behind connections that never answer. An ingest client's exporter gives
// up after some 10 s and learns nothing. So a write that has not committed within half a second has the database
// probed on a connection of its own; if that does not answer either, the write and every other one waiting is
// answered 503 with Retry-After at once, and so is each new one until a probe (every second) answers again. A
// write answered so may still commit later: ingest is idempotent, so the client's retry stores nothing twice.

/** a write waits this long before the database is probed */
const SUSPECT_AFTER_MS = 500;
/** a probe that takes longer fails */
const PROBE_TIMEOUT_MS = 1500;
/** while the database is out, it is probed this often */
const RECHECK_MS = 1000;
const RETRY_AFTER_SECONDS = 5;

const unavailable = () =>
  new ApiError("unavailable", "the database is unavailable; retry later", undefined, RETRY_AFTER_SECONDS);

export class OutageGuard {
  private out = false;
  private probing: Promise<boolean> | undefined;
  private readonly waiting = new Set<(error: ApiError) => void>();

  constructor(
    private readonly probe: () => Promise<void>,
    private readonly log: (message: string) => void = (message) => console.error(`tracedeck: ${message}`),
    private readonly timing = { suspectAfterMs: SUSPECT_AFTER_MS, recheckMs: RECHECK_MS },
  ) {}

  get isOut(): boolean {
    return this.out;
  }

  /** `work`'s answer, or a 503 as soon as the database is found out while it waits. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.out) throw unavailable();
    const done = work();
    let fail: ((error: ApiError) => void) | undefined;
    const outage = new Promise<never>((_, reject) => (fail = reject));
    outage.catch(() => {});
    this.waiting.add(fail!);
    const timer = setTimeout(() => void this.suspect(), this.timing.suspectAfterMs);
    try {
      return await Promise.race([done, outage]);
    } finally {
      clearTimeout(timer);
      this.waiting.delete(fail!);
      done.catch(() => {});
    }
  }

  private async check(): Promise<boolean> {
    this.probing ??= this.probe()
      .then(
        () => true,
        () => false,
      )
      .finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async suspect(): Promise<void> {
    if (this.out || (await this.check()) || this.out) return;
    this.out = true;
    this.log("the database does not answer: ingest answers 503 until it does");
    for (const fail of this.waiting) fail(unavailable());
    this.waiting.clear();
    const recheck = (): void => {
      setTimeout(() => {
        void this.check().then((answering) => {
          if (!answering) return recheck();
          this.out = false;
          this.log("the database answers again: ingest goes on");
        });
      }, this.timing.recheckMs).unref();
    };
    recheck();
  }
}

// on globalThis, one per database: the route handlers and the OTLP listeners load this module apart
const slot = globalThis as { __tracedeckOutageGuards?: WeakMap<Database, OutageGuard> };
const guards = (slot.__tracedeckOutageGuards ??= new WeakMap<Database, OutageGuard>());

/**
 * `work` on the database for ingest (authenticating its key, storing its batch), answered 503 within a couple of
 * seconds when the database has gone silent (Postgres; the embedded store cannot go away under its own process).
 */
export function whileAnswering<T>(database: Database, work: () => Promise<T>): Promise<T> {
  const probe = database.probe;
  if (!probe) return work();
  let guard = guards.get(database);
  if (!guard) guards.set(database, (guard = new OutageGuard(() => probe(PROBE_TIMEOUT_MS))));
  return guard.run(work);
}

/** Stores a batch through the database's one writer, as whileAnswering answers. */
export function writeBatch(
  database: Database,
  projectId: string,
  batch: RecordBatch,
): Promise<{ notStored: NotStored[] }> {
  return whileAnswering(database, () => ingestWriter(database).write(projectId, batch));
}
