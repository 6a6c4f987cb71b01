import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync, mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { isDatabaseUnavailable, SQLSTATE, sqlState } from "./errors";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** What runs raw SQL: a database, a transaction, or the statements of copyTransaction's. */
export type Statements = Pick<Db, "execute">;

export interface Database {
  readonly driver: "pglite" | "postgres";
  readonly db: Db;
  /** Applies the committed migrations (or those of another folder); a no-op when they are all applied. */
  migrate(migrationsFolder?: string): Promise<void>;
  close(): Promise<void>;
  /** PGlite only: the embedded client, for the query API's gated view of it (pgliteReads) */
  readonly pglite?: PGlite;
  /**
   * Postgres only: whether the server answers a new connection's `select 1` within `timeoutMs`, apart from the
   * pool (whose connections may all be waiting on a server that went silent); rejects if not.
   */
  probe?(timeoutMs: number): Promise<void>;
  /**
   * Postgres only: runs `fn` in a transaction where, besides statements, rows can be streamed in with COPY (the
   * ingest writer's fast path).
   */
  copyTransaction?<T>(fn: (tx: Statements, copy: CopyIn) => Promise<T>): Promise<T>;
}

/**
 * Streams `chunks` (rows in COPY's text format) to `statement` (`copy … from stdin`). When the server rejects the
 * COPY (a row's key is taken, a row does not fit), it throws CopyRefused and the transaction is rolled back: the
 * caller then writes the rows another way, which says why if it fails too. (No savepoint: a subtransaction costs
 * every transaction, and refusals are rare.) Errors of the connection throw as they are.
 */
export type CopyIn = (statement: string, chunks: Iterable<string> | AsyncIterable<string>) => Promise<void>;

/** The server refused a COPY (see CopyIn); `cause`: what it said, when postgres.js passed it on. */
export class CopyRefused extends Error {
  override readonly name = "CopyRefused";
  constructor(cause: unknown) {
    super(`the server refused the COPY: ${(cause as Error).message}`, { cause });
  }
}

/** By name: the server's bundles may each hold a copy of this module, and of the class. */
export const isCopyRefused = (error: unknown) => error instanceof Error && error.name === "CopyRefused";

/**
 * Sockets with Nagle's algorithm off, as node-postgres makes them: a COPY ends with a message of a few bytes sent
 * after its rows, which Nagle holds until the server acknowledges the rows (40 ms of delayed ACK on Linux). Given a
 * socket function, postgres.js leaves connecting to it: each socket connects to the next of the URL's hosts (or its
 * Unix socket), and postgres.js's connect_timeout still applies, as it counts to the server's first ReadyForQuery.
 */
function noDelaySockets(): (options: { host: string[]; port: number[]; path?: string | false }) => net.Socket {
  let next = 0;
  return ({ host, port, path }) => {
    const socket = new net.Socket();
    socket.setNoDelay(true);
    const i = next++ % host.length;
    if (path) socket.connect(path);
    else socket.connect(port[i]!, host[i]!);
    return socket;
  };
}

/**
 * postgres.js 3.4 never finishes the stream of a COPY the server rejects once all is sent, and drops the server's
 * error (porsager/postgres#1173): the COPY's outcome is read from a statement queued behind it on the connection,
 * which fails when the COPY did (the transaction is then aborted).
 */
async function copyIn(
  transaction: postgres.TransactionSql,
  statement: string,
  chunks: Iterable<string> | AsyncIterable<string>,
): Promise<void> {
  const stream = await transaction.unsafe(statement).writable();
  let failure: unknown;
  const failed = new Promise<never>((_, reject) =>
    stream.on("error", (error) => {
      failure ??= error;
      reject(error);
    }),
  );
  failed.catch(() => {});
  for await (const chunk of chunks) {
    // each chunk is on the socket before the next is made, so a large batch is never all in memory as COPY text
    await Promise.race([new Promise((resolve) => stream.write(chunk, resolve)), failed]);
    if (failure) throw failure;
  }
  if (failure) throw failure;
  // with every write done, end() sends CopyDone at once, before the statement below
  stream.end();
  await transaction`select 1`;
}

export type DatabaseOptions =
  /** readOnly: every transaction is read-only, so a write sent to a replica's pool fails loudly, whatever the server */
  (
    | {
        driver: "postgres";
        url: string;
        poolSize?: number;
        readOnly?: boolean;
        /** statement_timeout of every connection: the server stops a statement that runs longer */
        statementTimeoutMs?: number;
      }
    /** dataDir undefined: in memory */
    | { driver: "pglite"; dataDir?: string }
  ) & {
    /** told of every query the ORM sends, with its parameters (tests read the plans of what the services run) */
    logQuery?: (query: string, params: unknown[]) => void;
  };

/**
 * PGlite's server settings, and a smaller buffer cache than its 128 MB: the cache lives in the server's own memory,
 * and its pages are read from files the operating system caches anyway.
 */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];

/**
 * Creates the embedded store's cluster in `dataDir` when it has none, in an instance of PGlite of its own that is
 * closed after: the WebAssembly memory that creating a cluster grows (~500 MiB) stays with the instance that grew it
 * for its whole life, so the instance that serves opens a cluster that exists (~200 MiB).
 */
export async function createPgliteCluster(dataDir: string): Promise<void> {
  if (existsSync(path.join(dataDir, "PG_VERSION"))) return;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const creating = new PGlite(dataDir, { startParams: PGLITE_START_PARAMS });
  await creating.waitReady;
  await creating.close();
}

/** advisory lock key held while migrations run ("tdck") */
const MIGRATION_LOCK = 0x7464636b;

export const migrationsFolder = path.join(process.cwd(), "db", "migrations");

const logger = ({ logQuery }: DatabaseOptions) => (logQuery ? { logQuery } : undefined);

export function openDatabase(options: DatabaseOptions): Database {
  if (options.driver === "postgres") {
    const client = postgres(options.url, {
      max: options.poolSize ?? 10,
      connect_timeout: 5,
      // not in postgres.js's types, though documented and supported
      ...{ socket: noDelaySockets() },
      onnotice: () => {},
      // bigint columns come back as JS bigint, exactly
      types: { bigint: postgres.BigInt },
      connection: {
        ...(options.readOnly && { default_transaction_read_only: true }),
        ...(options.statementTimeoutMs && { statement_timeout: options.statementTimeoutMs }),
      },
    });
    trackQueries(client);
    const db = drizzlePostgres(client, { schema, casing: "snake_case", logger: logger(options) });
    return {
      driver: "postgres",
      db,
      migrate: async (folder = migrationsFolder) => {
        // app nodes starting together take turns: one applies, the others then find nothing to do
        // (the lock lives on a connection of its own, so a pool of one can still migrate)
        const lock = postgres(options.url, { max: 1, connect_timeout: 5, onnotice: () => {} });
        try {
          await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
          await migratePostgres(db, { migrationsFolder: folder });
        } finally {
          await lock.end({ timeout: 5 }); // ending the session releases the lock
        }
      },
      close: () => client.end({ timeout: 5 }),
      copyTransaction: (fn) =>
        client.begin(async (transaction) => {
          // raw SQL only (no schema: building the relational query API for each transaction costs ~0.1 ms); Drizzle
          // reads the pool's options off the client it wraps (a transaction's client shares them, unnamed)
          const tx = drizzlePostgres(
            Object.assign(transaction, { options: client.options }) as unknown as postgres.Sql,
            {
              casing: "snake_case",
              logger: logger(options),
            },
          );
          return fn(tx, async (statement, chunks) => {
            try {
              await copyIn(transaction, statement, chunks);
            } catch (error) {
              // refused by the server; anything else is the connection's
              if (sqlState(error) === undefined || isDatabaseUnavailable(error)) throw error;
              throw new CopyRefused(error);
            }
          });
        }) as Promise<Awaited<ReturnType<typeof fn>>>,
      probe: async (timeoutMs) => {
        const probe = postgres(options.url, {
          max: 1,
          connect_timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
          onnotice: () => {},
        });
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            probe`select 1`,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
        } finally {
          clearTimeout(timer);
          // at once: a server that went silent would keep a polite end waiting
          void probe.end({ timeout: 0 }).catch(() => {});
        }
      },
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const client = new PGlite(options.dataDir, { startParams: PGLITE_START_PARAMS });
  const db = drizzlePglite(client, { schema, casing: "snake_case", logger: logger(options) });
  return {
    driver: "pglite",
    db,
    migrate: (folder = migrationsFolder) => migratePglite(db, { migrationsFolder: folder }),
    close: () => client.close(),
    pglite: client,
  };
}

/** A cancellable scope (cancelledWith): the request's signal, and its Postgres queries. */
interface Scope {
  signal: AbortSignal;
  queries: Set<{ cancel(): unknown }>;
}

/**
 * The scope queries are sent in. One for the process: Next.js bundles instrumentation and each route separately,
 * and the pools one bundle opened serve them all.
 */
const inScope = ((globalThis as { __tracedeckScope?: AsyncLocalStorage<Scope> }).__tracedeckScope ??=
  new AsyncLocalStorage());

/**
 * Every query of the client (drizzle sends them all through `unsafe`) joins the scope it was sent in. postgres.js
 * queries start when awaited, so the query is only noted here, not awaited. Cancelling one that has finished does
 * nothing.
 */
function trackQueries(client: postgres.Sql): void {
  const unsafe = client.unsafe.bind(client);
  client.unsafe = ((...args: Parameters<typeof unsafe>) => {
    const query = unsafe(...args);
    inScope.getStore()?.queries.add(query);
    return query;
  }) as typeof client.unsafe;
}

/**
 * Runs `fn`; when `signal` aborts (the client that asked went away), the Postgres statements it has running are
 * cancelled, so the server stops working on an answer nobody will read. (PGlite's statements cannot be stopped
 * once they run: pgliteReads stops the ones that have not.)
 */
export async function cancelledWith<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  const scope: Scope = { signal, queries: new Set() };
  const cancel = () => {
    for (const query of scope.queries) void query.cancel();
  };
  signal.addEventListener("abort", cancel, { once: true });
  try {
    // awaited inside the scope: a query builder runs its statement when awaited
    return await inScope.run(scope, async () => await fn());
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}

/** What Postgres throws for a statement stopped by statement_timeout or a cancel request, so both stores read alike. */
class QueryCanceled extends Error {
  readonly code = SQLSTATE.queryCanceled;
}

/**
 * The query API's view of an embedded database. PGlite runs one statement at a time in this process, and has
 * neither statement_timeout nor cancel: a statement that runs cannot be stopped. What can be is done around each
 * statement: the query API's statements take turns, with a turn of the event loop between two (so ingest, sign-in
 * and health wait behind at most one of them, not behind every heavy read that came first), and a statement that has
 * waited for its turn longer than `timeoutMs`, or whose client went away, is not started, with the errors Postgres
 * gives for a timeout or a cancel. (Waiting behind a statement of ingest or maintenance does not count: it is
 * PGlite's own queue, where a statement waits as one waits for a lock on Postgres.)
 */
export function pgliteReads(primary: Database, timeoutMs: number): Database {
  const client = primary.pglite;
  if (!client) throw new Error("pgliteReads takes an embedded database");
  let turn: Promise<unknown> = Promise.resolve();
  /** Why a statement of this request, waiting since `since`, is not to start, if it is not. */
  const refusal = (scope: Scope, since: number): QueryCanceled | undefined =>
    scope.signal.aborted
      ? new QueryCanceled("canceling statement due to user request")
      : Date.now() - since >= timeoutMs
        ? new QueryCanceled("canceling statement due to statement timeout")
        : undefined;
  /** Runs `run` once the reads before it are done, unless it waited past its time or its client left by then. */
  const inTurn = <T>(run: () => Promise<T>): Promise<T> => {
    const scope = inScope.getStore();
    const since = Date.now();
    const previous = turn;
    const mine = (async () => {
      if (scope) {
        let stop = () => {};
        const stopped = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          const gone = () => resolve();
          scope.signal.addEventListener("abort", gone, { once: true });
          stop = () => {
            clearTimeout(timer);
            scope.signal.removeEventListener("abort", gone);
          };
        });
        await Promise.race([previous, stopped]);
        stop();
      } else await previous;
      // PGlite runs a statement on this thread: a turn of the event loop between two reads lets requests that
      // arrived meanwhile (ingest, health) send their statements before the next read's
      await new Promise((resolve) => setImmediate(resolve));
      if (scope) {
        const refused = refusal(scope, since);
        if (refused) throw refused;
      }
      return run();
    })();
    // the next read waits for this one and every one before it, however they end
    turn = Promise.allSettled([previous, mine]);
    return mine;
  };
  const gated = new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (property === "query" || property === "exec" || property === "transaction")
        return (...args: unknown[]) =>
          inTurn(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return {
    driver: "pglite",
    db: drizzlePglite(gated, { schema, casing: "snake_case" }),
    migrate: primary.migrate,
    close: async () => {},
  };
}

/** Rows of a raw SQL statement; the two drivers shape results differently. */
export async function queryRows<T extends Record<string, unknown>>(db: Statements, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as T[];
  return (result as { rows?: T[] }).rows ?? [];
}

export async function ping(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
