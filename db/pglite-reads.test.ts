import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelledWith, openDatabase, pgliteReads, queryRows, type Database } from "./client";
import { isQueryCanceled } from "./errors";

// The query API's reads on the embedded store: PGlite runs one statement at a time and cannot stop one that runs,
// so reads take turns, and a read's statement is not started once its request is past its time or gone.

let primary: Database;

/** A statement that keeps PGlite busy for a while (a few hundred ms here). */
const HEAVY = sql`select count(*) from generate_series(1, 3000000)`;

beforeAll(async () => {
  primary = openDatabase({ driver: "pglite" });
  await primary.db.execute(sql`create table ran (what text)`);
});
afterAll(async () => {
  await primary.close();
});

/** A read sent as the query API sends one: in a cancellable scope of its request. */
const read = <T>(reads: Database, fn: (db: Database["db"]) => Promise<T>, signal = new AbortController().signal) =>
  cancelledWith(signal, () => fn(reads.db));

const ran = async () => (await queryRows<{ what: string }>(primary.db, sql`select what from ran`)).map((r) => r.what);

// Each test waits for several heavy statements in turn, which takes seconds when the machine is busy.
describe("the query API's reads on PGlite", { timeout: 30_000 }, () => {
  it("take turns, so a write waits behind one of them, not behind all", async () => {
    const reads = pgliteReads(primary, 60_000);
    const done: string[] = [];
    const heavy = [1, 2, 3].map((n) => read(reads, (db) => db.execute(HEAVY)).then(() => done.push(`read ${n}`)));
    // a write of ingest, arriving (as a request does, on a later turn of the event loop) while the first read runs
    const write = new Promise((resolve) =>
      setImmediate(() =>
        resolve(primary.db.execute(sql`insert into ran values ('ingest')`).then(() => done.push("ingest"))),
      ),
    );
    await Promise.all([...heavy, write]);
    expect(done).toContain("ingest");
    expect(done.indexOf("ingest")).toBeLessThan(done.indexOf("read 2"));
    expect(done.filter((d) => d.startsWith("read"))).toEqual(["read 1", "read 2", "read 3"]);
  });

  it("do not start a statement that waited its turn past the timeout, and say so as Postgres would", async () => {
    const reads = pgliteReads(primary, 150);
    await primary.db.execute(sql`delete from ran`);
    const first = read(reads, (db) => db.execute(HEAVY));
    const late = read(reads, (db) => db.execute(sql`insert into ran values ('late')`)).catch((e: unknown) => e);
    const refused = await late;
    expect((refused as Error).cause).toMatchObject({
      code: "57014",
      message: "canceling statement due to statement timeout",
    });
    // read as Postgres's statement timeout is: a 422 naming TRACEDECK_QUERY_TIMEOUT_MS (lib/errors.ts)
    expect(isQueryCanceled(refused)).toBe(true);
    await first;
    expect(await ran()).toEqual([]);

    // a statement's time is its own, as statement_timeout's is: a read whose first statement ran long goes on
    await read(reads, async (db) => {
      await db.execute(HEAVY);
      await new Promise((r) => setTimeout(r, 200));
      await db.execute(sql`insert into ran values ('second step')`);
    });
    expect(await ran()).toEqual(["second step"]);
  });

  it("do not start a statement whose client went away", async () => {
    const reads = pgliteReads(primary, 60_000);
    await primary.db.execute(sql`delete from ran`);
    const first = read(reads, (db) => db.execute(HEAVY));
    const leaving = new AbortController();
    const waiting = read(reads, (db) => db.execute(sql`insert into ran values ('gone')`), leaving.signal).catch(
      (e: unknown) => e,
    );
    leaving.abort();
    expect(((await waiting) as Error).cause).toMatchObject({
      code: "57014",
      message: "canceling statement due to user request",
    });
    await first;
    // and the reads after it go on
    expect(await read(reads, (db) => queryRows<{ n: number }>(db, sql`select 1 as n`))).toEqual([{ n: 1 }]);
    expect(await ran()).toEqual([]);
  });
});
