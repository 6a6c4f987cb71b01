import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  readonly driver: "pglite" | "postgres";
  readonly db: Db;
  /** Applies the committed migrations (or those of another folder); a no-op when they are all applied. */
  migrate(migrationsFolder?: string): Promise<void>;
  close(): Promise<void>;
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

/** advisory lock key held while migrations run ("tdck") */
const MIGRATION_LOCK = 0x7464636b;

export const migrationsFolder = path.join(process.cwd(), "db", "migrations");

const logger = ({ logQuery }: DatabaseOptions) => (logQuery ? { logQuery } : undefined);

export function openDatabase(options: DatabaseOptions): Database {
  if (options.driver === "postgres") {
    const client = postgres(options.url, {
      max: options.poolSize ?? 10,
      connect_timeout: 5,
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
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const client = new PGlite(options.dataDir);
  const db = drizzlePglite(client, { schema, casing: "snake_case", logger: logger(options) });
  return {
    driver: "pglite",
    db,
    migrate: (folder = migrationsFolder) => migratePglite(db, { migrationsFolder: folder }),
    close: () => client.close(),
  };
}

/**
 * The queries sent within a cancellable scope (cancelledWith), so that they can be stopped. One for the process:
 * Next.js bundles instrumentation and each route separately, and the pools one bundle opened serve them all.
 */
const inFlight = ((
  globalThis as { __tracedeckInFlight?: AsyncLocalStorage<Set<{ cancel(): unknown }>> }
).__tracedeckInFlight ??= new AsyncLocalStorage());

/**
 * Every query of the client (drizzle sends them all through `unsafe`) joins the scope it was sent in. postgres.js
 * queries start when awaited, so the query is only noted here, not awaited. Cancelling one that has finished does
 * nothing.
 */
function trackQueries(client: postgres.Sql): void {
  const unsafe = client.unsafe.bind(client);
  client.unsafe = ((...args: Parameters<typeof unsafe>) => {
    const query = unsafe(...args);
    inFlight.getStore()?.add(query);
    return query;
  }) as typeof client.unsafe;
}

/**
 * Runs `fn`; when `signal` aborts (the client that asked went away), the Postgres statements it has running are
 * cancelled, so the server stops working on an answer nobody will read. PGlite runs in this process, one statement
 * at a time, and has nothing to cancel.
 */
export async function cancelledWith<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  const queries = new Set<{ cancel(): unknown }>();
  const cancel = () => {
    for (const query of queries) void query.cancel();
  };
  signal.addEventListener("abort", cancel, { once: true });
  try {
    return await inFlight.run(queries, fn);
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}

/** Rows of a raw SQL statement; the two drivers shape results differently. */
export async function queryRows<T extends Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as T[];
  return (result as { rows?: T[] }).rows ?? [];
}

export async function ping(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
