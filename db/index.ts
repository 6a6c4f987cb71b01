import "server-only";
import path from "node:path";
import { config } from "@/lib/config";
import { createPgliteCluster, openDatabase, pgliteReads, type Database } from "./client";
import { claimDataDir, type DataDirOwner } from "./lock";
import { ReadReplica } from "./replica";
import { ensureDefaultProject } from "./seed";

export {
  cancelledWith,
  isCopyRefused,
  openDatabase,
  queryRows,
  ping,
  type CopyIn,
  type Database,
  type Db,
  type Statements,
} from "./client";
export { ReadReplica, type ReplicaState } from "./replica";

interface AppDatabase {
  /** the primary: every write, authentication, settings */
  database: Database;
  /**
   * the query API's reads of the primary: on Postgres a pool of their own whose statements time out, so heavy
   * reads neither take the connections ingest and sign-in need nor run on without end; on PGlite the database's
   * statements in turns that stop at the timeout or when the client leaves (pgliteReads)
   */
  reads: Database;
  /** set when this process owns an embedded data directory */
  owner?: DataDirOwner;
  /** set with DATABASE_READ_URL: where the query endpoints read while it is current */
  replica?: ReadReplica;
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
    const reads = openDatabase({
      driver: "postgres",
      url: cfg.databaseUrl,
      poolSize: cfg.queryPoolSize,
      statementTimeoutMs: cfg.queryTimeoutMs,
    });
    if (!cfg.databaseReadUrl) return { database, reads };
    const replica = new ReadReplica({
      primary: reads,
      url: cfg.databaseReadUrl,
      poolSize: cfg.queryPoolSize,
      statementTimeoutMs: cfg.queryTimeoutMs,
      maxLagMs: cfg.replicaMaxLagMs,
      onChange: (state, reason) =>
        console.log(
          `tracedeck: read replica ${state} (${reason}): queries read ${state === "ok" ? "the replica" : "the primary"}`,
        ),
    });
    // a replica that is down at start is not the server's failure: queries read the primary until it answers
    await replica.start();
    return { database, reads, replica };
  }
  const owner = claimDataDir(cfg.dataDir, { url: `http://127.0.0.1:${cfg.port}` });
  const dataDir = path.join(cfg.dataDir, "pglite");
  await createPgliteCluster(dataDir);
  const database = openDatabase({ driver: "pglite", dataDir });
  await database.migrate();
  await ensureDefaultProject(database.db);
  return { database, reads: pgliteReads(database, cfg.queryTimeoutMs), owner };
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
