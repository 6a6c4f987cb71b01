import "server-only";
import path from "node:path";
import { config } from "@/lib/config";
import { openDatabase, type Database } from "./client";
import { claimDataDir, type DataDirOwner } from "./lock";
import { ensureDefaultProject } from "./seed";

export { openDatabase, queryRows, ping, type Database, type Db } from "./client";

interface AppDatabase {
  database: Database;
  /** set when this process owns an embedded data directory */
  owner?: DataDirOwner;
}

// Next.js bundles instrumentation and each route separately: the one database lives on globalThis.
const slot = globalThis as unknown as { __tracedeckDatabase?: Promise<AppDatabase> };

async function open(): Promise<AppDatabase> {
  const cfg = config();
  if (cfg.databaseUrl) {
    const database = openDatabase({ driver: "postgres", url: cfg.databaseUrl, poolSize: cfg.dbPoolSize });
    try {
      await database.migrate();
      await ensureDefaultProject(database.db);
    } catch (error) {
      await database.close().catch(() => {});
      throw error;
    }
    return { database };
  }
  const owner = claimDataDir(cfg.dataDir, { url: `http://127.0.0.1:${cfg.port}` });
  const database = openDatabase({ driver: "pglite", dataDir: path.join(cfg.dataDir, "pglite") });
  await database.migrate();
  await ensureDefaultProject(database.db);
  return { database, owner };
}

/**
 * The application's database: opened, migrated and seeded on first use. A failed open (Postgres
 * unreachable) is not remembered, so the next call tries again.
 */
export function getAppDatabase(): Promise<AppDatabase> {
  if (!slot.__tracedeckDatabase) {
    const opening = open();
    slot.__tracedeckDatabase = opening;
    opening.catch(() => {
      if (slot.__tracedeckDatabase === opening) slot.__tracedeckDatabase = undefined;
    });
  }
  return slot.__tracedeckDatabase;
}

export async function getDatabase(): Promise<Database> {
  return (await getAppDatabase()).database;
}
