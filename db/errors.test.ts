import { protocol } from "@electric-sql/pglite";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable, isDeadlock, isForeignKeyViolation, isSerializationFailure, sqlState } from "./errors";
import { DataDirBusyError } from "./lock";

// What each driver throws for an error report from the server: PGlite's parser fills in a
// DatabaseError, postgres.js assigns the report's fields onto an Error it names PostgresError.
const pgliteError = (code: string, message = "error from PGlite") =>
  Object.assign(new protocol.messages.DatabaseError(message, message.length, "error"), { severity: "ERROR", code });
const postgresJsError = (code: string, message = "error from Postgres") =>
  Object.assign(new Error(message), { name: "PostgresError", severity: "ERROR", code });
const byDrizzle = (cause: Error) => new DrizzleQueryError("select 1", [], cause);
const errno = (code: string) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: "connect" });

const drivers = { PGlite: pgliteError, "postgres.js": postgresJsError };

describe.each(Object.entries(drivers))("the SQLSTATE of what %s throws", (_, driverError) => {
  it("is read from the error itself and through Drizzle's wrapping", () => {
    expect(sqlState(driverError("23503"))).toBe("23503");
    expect(sqlState(byDrizzle(driverError("40P01")))).toBe("40P01");
    expect(sqlState(new Error("while storing", { cause: byDrizzle(driverError("40001")) }))).toBe("40001");
  });

  it("tells a foreign key violation, a deadlock and a serialization failure apart", () => {
    const foreignKey = byDrizzle(driverError("23503"));
    const deadlock = byDrizzle(driverError("40P01"));
    const serialization = byDrizzle(driverError("40001"));
    expect([foreignKey, deadlock, serialization].map(isForeignKeyViolation)).toEqual([true, false, false]);
    expect([foreignKey, deadlock, serialization].map(isDeadlock)).toEqual([false, true, false]);
    expect([foreignKey, deadlock, serialization].map(isSerializationFailure)).toEqual([false, false, true]);
  });

  it("says the database is unavailable for connection, resource and shutdown classes only", () => {
    for (const code of ["08006", "08P01", "53300", "57P01", "57P02", "57P03"]) {
      expect(isDatabaseUnavailable(byDrizzle(driverError(code))), code).toBe(true);
    }
    for (const code of ["23503", "40P01", "42601", "57014"]) {
      expect(isDatabaseUnavailable(byDrizzle(driverError(code))), code).toBe(false);
    }
  });
});

describe("errors that are not Postgres's", () => {
  it("carry no SQLSTATE, though an errno code has the same shape", () => {
    expect(sqlState(errno("EPIPE"))).toBeUndefined();
    expect(sqlState(byDrizzle(errno("ECONNREFUSED")))).toBeUndefined();
    expect(sqlState(new Error("plain"))).toBeUndefined();
    for (const thrown of [undefined, null, "23503", 23503]) expect(sqlState(thrown)).toBeUndefined();
  });

  it("are an unavailable database when the connection failed, even one attempt among several", () => {
    const everyAddress = new AggregateError([errno("ECONNREFUSED"), errno("ECONNREFUSED")], "connect failed");
    expect(isDatabaseUnavailable(byDrizzle(everyAddress))).toBe(true);
    expect(isDatabaseUnavailable(byDrizzle(Object.assign(new Error("closed"), { code: "CONNECTION_CLOSED" })))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(new DataDirBusyError("/var/lib/tracedeck", { pid: 4242 }))).toBe(true);
    expect(isDatabaseUnavailable(new Error("plain"))).toBe(false);
    expect(isDatabaseUnavailable(errno("EACCES"))).toBe(false);
  });

  it("end the search when a cause points back at its error", () => {
    const loop = new Error("loop");
    loop.cause = loop;
    expect(sqlState(loop)).toBeUndefined();
    expect(isDatabaseUnavailable(loop)).toBe(false);
  });
});
