import type { Database, Db } from "@/db";
import type { Scope } from "./scopes";
import type { SessionUser } from "./users";

/** What every service verb receives: where to read and write, for whom, and the clock. */
export interface Ctx {
  /** the primary: what the ingest writer and the publisher runtime are kept per */
  database: Database;
  /** where the verb's queries go: the primary, or for a query endpoint the read replica while it is current */
  db: Db;
  projectId: string;
  scopes: readonly Scope[];
  /** the signed-in account, when a dashboard session (not a key) made the request */
  user?: SessionUser;
  now: () => Date;
}
