import { DataDirBusyError } from "./lock";

// What the database drivers throw, read by SQLSTATE
// (https://www.postgresql.org/docs/current/errcodes-appendix.html). postgres.js throws a
// PostgresError and PGlite a DatabaseError, each with the server's SQLSTATE as `code`; Drizzle
// wraps either in a DrizzleQueryError whose `cause` it is, and a connection tried on several
// addresses fails with an AggregateError of one error per address.

/** The SQLSTATEs the application acts on. */
export const SQLSTATE = {
  foreignKeyViolation: "23503",
  uniqueViolation: "23505",
  checkViolation: "23514",
  serializationFailure: "40001",
  deadlockDetected: "40P01",
  /** statement_timeout, or a cancel request */
  queryCanceled: "57014",
  adminShutdown: "57P01",
  crashShutdown: "57P02",
  cannotConnectNow: "57P03",
} as const;

/** SQLSTATE classes: the first two characters of a SQLSTATE. */
export const SQLSTATE_CLASS = {
  connectionException: "08",
  insufficientResources: "53",
} as const;

// Postgres's classes begin with a digit or F, H, P or X; errno codes such as EPIPE, which have
// five capitals too, begin with E.
const SQLSTATE_SHAPE = /^[0-9FHPX][0-9A-Z]{4}$/;

// deep enough for any wrapping seen in practice, and an end to a cause that points back at itself
const MAX_DEPTH = 8;

/** The error and everything it wraps: its causes, and the members of an AggregateError. */
function* wrapped(error: unknown, depth = 0): Generator<object> {
  if (typeof error !== "object" || error === null || depth > MAX_DEPTH) return;
  yield error;
  if (error instanceof AggregateError) for (const member of error.errors) yield* wrapped(member, depth + 1);
  yield* wrapped((error as { cause?: unknown }).cause, depth + 1);
}

/** The SQLSTATE this one error carries, not what it wraps. */
function ownSqlState(error: object): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && SQLSTATE_SHAPE.test(code) ? code : undefined;
}

/** The SQLSTATE of what either driver threw, however wrapped; undefined when it carries none. */
export function sqlState(error: unknown): string | undefined {
  for (const e of wrapped(error)) {
    const state = ownSqlState(e);
    if (state) return state;
  }
  return undefined;
}

export const isForeignKeyViolation = (error: unknown) => sqlState(error) === SQLSTATE.foreignKeyViolation;
export const isUniqueViolation = (error: unknown) => sqlState(error) === SQLSTATE.uniqueViolation;
export const isDeadlock = (error: unknown) => sqlState(error) === SQLSTATE.deadlockDetected;
export const isQueryCanceled = (error: unknown) => sqlState(error) === SQLSTATE.queryCanceled;
export const isSerializationFailure = (error: unknown) => sqlState(error) === SQLSTATE.serializationFailure;
/**
 * A row found no partition of its table for its day ("no partition of relation … found for row"
 * is a check violation; the telemetry tables have no CHECK constraints of their own).
 */
export const isMissingPartition = (error: unknown) => sqlState(error) === SQLSTATE.checkViolation;

// SQLSTATEs that mean "the database cannot take requests now", not "bad input"
const UNAVAILABLE_CLASSES: readonly string[] = [
  SQLSTATE_CLASS.connectionException,
  SQLSTATE_CLASS.insufficientResources,
];
const UNAVAILABLE_STATES: readonly string[] = [
  SQLSTATE.adminShutdown,
  SQLSTATE.crashShutdown,
  SQLSTATE.cannotConnectNow,
];

// a connection that could not be made or went away: Node's errno codes and postgres.js's own
const CONNECTION_FAILURES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

function isUnavailable(error: object): boolean {
  if (error instanceof DataDirBusyError) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && CONNECTION_FAILURES.has(code)) return true;
  const state = ownSqlState(error);
  return state !== undefined && (UNAVAILABLE_CLASSES.includes(state.slice(0, 2)) || UNAVAILABLE_STATES.includes(state));
}

/** The database is down, unreachable, out of resources or held by another process: worth retrying later. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const e of wrapped(error)) if (isUnavailable(e)) return true;
  return false;
}
