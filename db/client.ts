import "server-only";
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
    | { driver: "postgres"; url: string; poolSize?: number; readOnly?: boolean }
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
      ...(options.readOnly && { connection: { default_transaction_read_only: true } }),
    });
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
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const client = new PGlite(options.dataDir);
  const db = drizzlePglite(client, { schema, casing: "snake_case", logger: logger(options) });
  return {
    driver: "pglite",
    db,
    migrate: (folder = migrationsFolder) => migratePglite(db, { migrationsFolder: folder }),
    close: () => client.close(),
  };
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
