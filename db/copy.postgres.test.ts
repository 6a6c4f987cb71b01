import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCopyRefused, queryRows, type Database } from "./client";
import { openTestDatabase, uniqueName } from "./testing";

// The ingest writer's COPY on Postgres (copyTransaction): rows copied in within the transaction, and a COPY the
// server refuses (a key taken, a row that does not fit) thrown as CopyRefused, the transaction rolled back and its
// connection back in the pool, whether the refusal comes after the last row or while rows are still being sent.

let database: Database;
let table: string;

beforeAll(async () => {
  database = await openTestDatabase();
  table = uniqueName("copy").replace("-", "_");
  await database.db.execute(sql.raw(`create table ${table} (id int primary key, note text, doc jsonb)`));
});

afterAll(async () => {
  await database.db.execute(sql.raw(`drop table if exists ${table}`));
  await database.close();
});

const count = async () =>
  (await queryRows<{ n: number }>(database.db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n;

/** `n` rows from `from` in chunks of `chunk` rows, in COPY text */
function* rows(from: number, n: number, chunk = 100): Generator<string> {
  for (let start = from; start < from + n; start += chunk) {
    let text = "";
    for (let id = start; id < Math.min(from + n, start + chunk); id++) text += `${id}\tnote\\t${id}\t{"id":${id}}\n`;
    yield text;
  }
}

const refusal = (error: unknown) => (isCopyRefused(error) ? "refused" : error);

describe("COPY in the writer's transaction", () => {
  it("copies rows, escapes and all, in the same transaction as its statements", async () => {
    const seen = await database.copyTransaction!(async (tx, copy) => {
      await copy(`copy ${table} (id, note, doc) from stdin`, rows(1, 250));
      await copy(`copy ${table} (id, note, doc) from stdin`, rows(1000, 5));
      const [seen] = await queryRows<{ n: number }>(tx, sql.raw(`select count(*)::int as n from ${table}`));
      return seen!.n;
    });
    expect(seen).toBe(255);
    const [row] = await queryRows<{ note: string; doc: unknown }>(
      database.db,
      sql.raw(`select note, doc from ${table} where id = 7`),
    );
    expect(row).toEqual({ note: "note\t7", doc: { id: 7 } });
  });

  it("refuses when a key is taken, and rolls the whole transaction back", async () => {
    const before = await count();
    const outcome = await database.copyTransaction!(async (tx, copy) => {
      await tx.execute(sql.raw(`insert into ${table} (id, note, doc) values (40000, 'before', '{}')`));
      // 1,000 new rows, then one that is stored already
      await copy(`copy ${table} (id, note, doc) from stdin`, rows(10_000, 1000));
      await copy(`copy ${table} (id, note, doc) from stdin`, [`30000\tx\t{}\n`, `1\tx\t{}\n`]);
      return "committed";
    }).catch(refusal);
    expect(outcome).toBe("refused");
    expect(await count()).toBe(before);
  });

  it("refuses when the server stops the COPY while rows are still being sent", async () => {
    const before = await count();
    // a broken first row, then, once the server has had time to refuse it, more rows
    async function* broken(): AsyncGenerator<string> {
      yield "not a number\tx\t{}\n";
      await new Promise((resolve) => setTimeout(resolve, 500));
      yield* rows(100_000, 1000);
    }
    const outcome = await database.copyTransaction!((_, copy) =>
      copy(`copy ${table} (id, note, doc) from stdin`, broken()),
    ).catch(refusal);
    expect(outcome).toBe("refused");
    expect(await count()).toBe(before);
  });

  it("leaves no connection behind, however many COPYs are refused", async () => {
    // more refusals than the pool has connections: each must come back, or the later ones wait forever
    for (let i = 0; i < 12; i++) {
      const outcome = await database.copyTransaction!((_, copy) =>
        copy(`copy ${table} (id, note, doc) from stdin`, [`1\tx\t{}\n`]),
      ).catch(refusal);
      expect(outcome).toBe("refused");
    }
    const stuck = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and state like 'idle in transaction%'`,
    );
    expect(stuck[0]!.n).toBe(0);
  });

  it("rolls the whole transaction back when what follows the COPY fails, and says so as it is", async () => {
    const before = await count();
    const outcome = await database.copyTransaction!(async (tx, copy) => {
      await copy(`copy ${table} (id, note, doc) from stdin`, rows(50_000, 10));
      await tx.execute(sql.raw(`insert into ${table} (id) values (1)`));
    }).catch(refusal);
    expect(outcome).toBeInstanceOf(Error);
    expect(await count()).toBe(before);
  });
});
