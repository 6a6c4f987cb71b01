import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "./client";
import { isDatabaseUnavailable, isDeadlock, isForeignKeyViolation, isSerializationFailure, sqlState } from "./errors";
import { createTestProject, openTestDatabase, testDriver } from "./testing";
import { projects, publisherStatus, type Database } from "./testing/tables";

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => expect.unreachable("the statement succeeded"),
    (error: unknown) => error,
  );

describe("what the driver throws", () => {
  it("is a foreign key violation for a row that points at nothing", async () => {
    const error = await failure(
      database.db.insert(publisherStatus).values({ publisherId: randomUUID(), state: "healthy" }),
    );
    expect(sqlState(error)).toBe("23503");
    expect(isForeignKeyViolation(error)).toBe(true);
    expect(isDeadlock(error) || isSerializationFailure(error) || isDatabaseUnavailable(error)).toBe(false);
  });

  // PGlite has one connection: its transactions run one after the other and never wait on each other
  it.skipIf(testDriver === "pglite")("is a deadlock for two transactions that lock two rows in turn", async () => {
    const first = await createTestProject(database);
    const second = await createTestProject(database);
    let holding = 0;
    let release!: () => void;
    const bothHoldOne = new Promise<void>((resolve) => (release = resolve));
    const lockInTurn = (one: string, other: string) =>
      database.db.transaction(async (tx) => {
        await tx.update(projects).set({ name: "locked" }).where(eq(projects.id, one));
        if (++holding === 2) release();
        await bothHoldOne;
        await tx.update(projects).set({ name: "locked" }).where(eq(projects.id, other));
      });
    const outcomes = await Promise.allSettled([
      lockInTurn(first.projectId, second.projectId),
      lockInTurn(second.projectId, first.projectId),
    ]);
    const refused = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason] : []));
    expect(refused).toHaveLength(1);
    expect(sqlState(refused[0])).toBe("40P01");
    expect(isDeadlock(refused[0])).toBe(true);
    expect(isForeignKeyViolation(refused[0]) || isDatabaseUnavailable(refused[0])).toBe(false);
  });

  // PGlite runs in this process: there is no server that could end the connection
  it.skipIf(testDriver === "pglite")("is an unavailable database when the server ends the connection", async () => {
    const victim = await openTestDatabase();
    try {
      const sleeping = failure(victim.db.execute(sql`select pg_sleep(30)`));
      let pid: number | undefined;
      for (let tries = 0; pid === undefined && tries < 100; tries++) {
        const [row] = await queryRows<{ pid: number }>(
          database.db,
          sql`select pid from pg_stat_activity
            where datname = current_database() and state = 'active' and query = 'select pg_sleep(30)'`,
        );
        if (row) pid = row.pid;
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(pid).toBeDefined();
      await database.db.execute(sql`select pg_terminate_backend(${pid})`);
      expect(isDatabaseUnavailable(await sleeping)).toBe(true);
    } finally {
      await victim.close();
    }
  });
});
