import { getAppDatabase, ping, type ReplicaState } from "@/db";
import pkg from "@/package.json";

export interface Health {
  status: "ok" | "unavailable";
  version: string;
  database: "ok" | "unavailable";
  driver?: "pglite" | "postgres";
  /** with a read replica: where queries read, as its last probe found it (the answer stays 200 while it is out) */
  replica?: ReplicaState;
}

const PING_TIMEOUT_MS = 3000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether the server can reach its database now. */
export async function checkHealth(): Promise<Health> {
  try {
    const { database, replica } = await withTimeout(getAppDatabase(), PING_TIMEOUT_MS);
    await withTimeout(ping(database.db), PING_TIMEOUT_MS);
    return {
      status: "ok",
      version: pkg.version,
      database: "ok",
      driver: database.driver,
      ...(replica && { replica: replica.state }),
    };
  } catch (error) {
    console.error("health check: database unavailable:", (error as Error).message);
    return { status: "unavailable", version: pkg.version, database: "unavailable" };
  }
}
