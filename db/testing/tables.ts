// Tables and types the database tests read back.
export * from "../schema";
export type { Database } from "../client";
