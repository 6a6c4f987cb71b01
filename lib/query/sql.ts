import { sql, type SQL } from "drizzle-orm";

// SQL fragments the read models share.

/** A timestamptz as RFC 3339 UTC with microseconds, the same text on Postgres and PGlite. */
export const isoTime = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** nanoseconds → timestamptz, for comparing with timestamptz columns */
export const nanosToTimestamp = (nanos: bigint) => sql`to_timestamp(${Number(nanos / 1000n) / 1e6}::float8)`;

/** ILIKE pattern matching `text` anywhere, with LIKE wildcards in it taken literally. */
export const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
