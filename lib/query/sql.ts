import { sql, type SQL } from "drizzle-orm";

// SQL fragments the read models share.

/** A timestamptz as RFC 3339 UTC with microseconds, the same text on Postgres and PGlite. */
export const isoTime = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** nanoseconds → timestamptz, for comparing with timestamptz columns */
export const nanosToTimestamp = (nanos: bigint) => sql`to_timestamp(${Number(nanos / 1000n) / 1e6}::float8)`;

/** ILIKE pattern matching `text` anywhere, with LIKE wildcards in it taken literally. */
export const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * An int8 of a raw query as the drivers hand it over: postgres.js always as a bigint, PGlite as a
 * number while it is a safe integer. Computed counts and sums are cast to float8 in the SQL instead,
 * which both drivers return as a number.
 */
/**
 * A record whose attributes (over its resource's) hold `key: value`, read through the GIN index on
 * `(resource_attributes || attributes)` (written exactly so, for the planner to match the index).
 * The value as typed in a query is text: it also matches the number or boolean it spells.
 */
export function attributesContain({ key, value }: { key: string; value: string }): SQL {
  const candidates: unknown[] = [value];
  const number = Number(value);
  if (value.trim() !== "" && Number.isFinite(number)) candidates.push(number);
  if (value === "true" || value === "false") candidates.push(value === "true");
  return sql`(${sql.join(
    candidates.map((v) => sql`(resource_attributes || attributes) @> ${JSON.stringify({ [key]: v })}::jsonb`),
    sql` or `,
  )})`;
}

export type Int8 = bigint | number;

/** An int8 as a number; none (an outer join's missing side) is 0. */
export const num = (v: Int8 | null): number => (v === null ? 0 : Number(v));
export const numOrNull = (v: Int8 | null): number | null => (v === null ? null : Number(v));
