import { sql } from "drizzle-orm";
import { openDatabase, queryRows, type Database, type Db } from "./client";
import { isDatabaseUnavailable, isSerializationFailure } from "./errors";

// A streaming replica of the primary that the query endpoints read (DATABASE_READ_URL). A probe
// measures its lag every few seconds, off the request path; reads go to the replica only while it
// answers and is within the allowed lag, else to the primary, so a lagging or stopped replica
// makes answers come from the primary instead of stale or failing ones.

/** ok: reads go to the replica; lagging or down: they go to the primary. */
export type ReplicaState = "ok" | "lagging" | "down";

/** "X/Y" (pg_lsn as text, two hex halves) as one number, to compare positions in the WAL. */
export function parseLsn(lsn: string): bigint {
  const [high, low] = lsn.split("/");
  if (high === undefined || low === undefined || !/^[0-9A-F]+$/i.test(high) || !/^[0-9A-F]+$/i.test(low)) {
    throw new Error(`not a WAL position: ${lsn}`);
  }
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/** enough to bound the memory of a replica that stopped replaying for good; the oldest entry is what counts */
const MAX_PENDING = 1000;

/**
 * Replica lag measured by WAL positions and this process's clock, so clocks of the two servers never
 * enter it: the primary's position is sampled at each probe, and the lag is the age of the oldest
 * sample the replica has not replayed yet. It is a lower bound of the real lag, short by at most
 * one probe interval. (`now() - pg_last_xact_replay_timestamp()` would also count the time the
 * primary was idle as lag.)
 */
export class LagTracker {
  /** primary positions the replica has not been seen to replay, oldest first, positions rising */
  private pending: { at: number; lsn: bigint }[] = [];

  primaryAt(at: number, lsn: bigint): void {
    const last = this.pending.at(-1);
    if (last && lsn <= last.lsn) return; // an older sample already stands for this position
    this.pending.push({ at, lsn });
    if (this.pending.length > MAX_PENDING) this.pending.splice(1, 1);
  }

  replayedUpTo(lsn: bigint): void {
    const first = this.pending.findIndex((sample) => sample.lsn > lsn);
    this.pending = first === -1 ? [] : this.pending.slice(first);
  }

  /** the replica has everything the primary has: it is a primary itself (promoted, or the same server) */
  caughtUp(): void {
    this.pending = [];
  }

  lagMs(now: number): number {
    const oldest = this.pending[0];
    return oldest ? Math.max(0, now - oldest.at) : 0;
  }
}

export interface ReadReplicaOptions {
  /** where reads go while the replica is not current: the primary (the query API's pool of it) */
  primary: Database;
  url: string;
  /** the size of the primary's query pool: the same requests run on either */
  poolSize: number;
  /** statement_timeout of the replica's connections, as the primary's pool has */
  statementTimeoutMs?: number;
  maxLagMs: number;
  /** default: a fifth of maxLagMs, between 100 ms and 2 s, so a replica past the limit is noticed soon after */
  probeIntervalMs?: number;
  /** milliseconds since the epoch; tests pass their own to make lag without waiting */
  now?: () => number;
  /** told when the state changes (the server logs it) */
  onChange?: (state: ReplicaState, reason: string) => void;
}

/** how long a probe waits for either server before calling the replica down */
const PROBE_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A query on a standby may be cancelled when replay needs the rows it reads ("conflict with
 * recovery", 40001); the primary answers it instead. Read-only queries meet no other serialization
 * failure.
 */
const isRecoveryConflict = isSerializationFailure;

export class ReadReplica {
  readonly database: Database;
  private readonly primary: Database;
  private readonly lag = new LagTracker();
  private readonly now: () => number;
  /** undefined until the first probe: not trusted before, and that probe's verdict is always told */
  private current: ReplicaState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;

  constructor(private readonly options: ReadReplicaOptions) {
    this.primary = options.primary;
    this.database = openDatabase({
      driver: "postgres",
      url: options.url,
      poolSize: options.poolSize,
      readOnly: true,
      statementTimeoutMs: options.statementTimeoutMs,
    });
    this.now = options.now ?? Date.now;
  }

  get state(): ReplicaState {
    return this.current ?? "down";
  }

  /** The interval between probes the options ask for. */
  get probeIntervalMs(): number {
    return this.options.probeIntervalMs ?? Math.min(2000, Math.max(100, Math.round(this.options.maxLagMs / 5)));
  }

  /** Probes now, then every probeIntervalMs until close(). */
  async start(): Promise<void> {
    await this.probe();
    this.timer ??= setInterval(() => void this.probe(), this.probeIntervalMs);
    this.timer.unref(); // never what keeps a process alive
  }

  /**
   * Runs a read on the replica while it is current, else on the primary. A read the replica cannot
   * answer because it is unreachable (or cancelled by replay) runs once more, on the primary: a
   * replica going away costs a query a retry, never an error.
   */
  async read<T>(run: (db: Db) => Promise<T>): Promise<T> {
    if (this.current !== "ok") return run(this.primary.db);
    try {
      return await run(this.database.db);
    } catch (error) {
      if (isDatabaseUnavailable(error)) this.change("down", (error as Error).message);
      else if (!isRecoveryConflict(error)) throw error;
      return run(this.primary.db);
    }
  }

  /** Measures the lag and decides where reads go; never throws, and one probe runs at a time. */
  probe(): Promise<void> {
    this.probing ??= this.measure().finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async measure(): Promise<void> {
    // the primary first: a position the replica then reports as replayed was replayed in time
    try {
      const [row] = await withTimeout(
        queryRows<{ lsn: string }>(this.primary.db, sql`select pg_current_wal_flush_lsn()::text as lsn`),
        PROBE_TIMEOUT_MS,
      );
      if (row) this.lag.primaryAt(this.now(), parseLsn(row.lsn));
    } catch {
      // the primary's trouble is not the replica's: its lag is judged from the samples so far
    }
    let replica: { recovering: boolean; replayed: string | null } | undefined;
    try {
      [replica] = await withTimeout(
        queryRows<{ recovering: boolean; replayed: string | null }>(
          this.database.db,
          sql`select pg_is_in_recovery() as recovering, pg_last_wal_replay_lsn()::text as replayed`,
        ),
        PROBE_TIMEOUT_MS,
      );
    } catch (error) {
      this.change("down", (error as Error).message);
      return;
    }
    if (!replica?.recovering || replica.replayed === null) this.lag.caughtUp();
    else this.lag.replayedUpTo(parseLsn(replica.replayed));
    const lagMs = this.lag.lagMs(this.now());
    if (lagMs > this.options.maxLagMs) this.change("lagging", `${lagMs} ms behind the primary`);
    else this.change("ok", lagMs === 0 ? "caught up" : `${lagMs} ms behind the primary`);
  }

  private change(state: ReplicaState, reason: string): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onChange?.(state, reason);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.probing;
    await this.database.close();
  }
}
