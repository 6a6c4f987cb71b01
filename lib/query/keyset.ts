import { sql, type SQL } from "drizzle-orm";
import { decodeCursor, encodeCursor, type CursorPart } from "@/lib/api/params";

/** One part of a list's sort key, largest first; the last part makes the key unique. */
export interface KeyPart<Row> {
  /** what the cursor compares */
  key: SQL;
  /** what the query sorts by, when an index serves an expression in the same order as `key` (a time for its µs) */
  order?: SQL;
  /** float8 values travel as JSON numbers, bigints as decimal text (exact), text as is */
  type: "float8" | "bigint" | "text";
  of: (row: Row) => number | bigint | string;
}

const CURSOR_PART: Record<KeyPart<unknown>["type"], CursorPart> = {
  float8: "number",
  bigint: "bigint",
  text: "string",
};

function bind(type: KeyPart<unknown>["type"], value: string | number): SQL {
  if (type === "float8") return sql`${value}::float8`;
  if (type === "bigint") return sql`${BigInt(value)}`;
  return sql`${value}`;
}

export interface Keyset<Row> {
  /** the rows after the cursor's, for the where clause; undefined on the first page */
  after: SQL | undefined;
  orderBy: SQL;
  /** one row more than the page holds: whether it comes tells whether there is a next page */
  limit: number;
  page<R extends Row>(rows: R[]): { items: R[]; next_cursor: string | null };
}

/**
 * Keyset pagination over a unique sort key: pages neither repeat nor skip rows while new data
 * arrives. The cursor (the last row's key) is decoded into a where clause, the query reads one
 * row more than the page, and the next cursor is the last kept row's key.
 */
export function keyset<Row>(input: { cursor?: string; limit: number }, parts: KeyPart<Row>[]): Keyset<Row> {
  const decoded = decodeCursor(
    input.cursor,
    parts.map((p) => CURSOR_PART[p.type]),
  );
  const list = (items: SQL[]) => sql.join(items, sql`, `);
  return {
    after: decoded
      ? sql`(${list(parts.map((p) => p.key))}) < (${list(parts.map((p, i) => bind(p.type, decoded[i]!)))})`
      : undefined,
    orderBy: list(parts.map((p) => sql`${p.order ?? p.key} desc`)),
    limit: input.limit + 1,
    page: (rows) => {
      const items = rows.slice(0, input.limit);
      const last = items[items.length - 1];
      const key = (row: Row) => parts.map((p) => p.of(row)).map((v) => (typeof v === "bigint" ? String(v) : v));
      return { items, next_cursor: rows.length > input.limit && last ? encodeCursor(key(last)) : null };
    },
  };
}
