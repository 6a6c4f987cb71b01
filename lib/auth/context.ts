import type { Database, Db } from "@/db";
import type { Scope } from "./scopes";

/** What every service verb receives: where to read and write, for whom, and the clock. */
export interface Ctx {
  database: Database;
  db: Db;
  projectId: string;
  scopes: readonly Scope[];
  now: () => Date;
}
