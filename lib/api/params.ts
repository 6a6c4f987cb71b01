import { z } from "zod";
import { ApiError } from "@/lib/errors";
import { parseTime } from "@/lib/model/time";

// Query-string vocabulary shared by every list endpoint: a time range, a limit, a cursor.

export const DEFAULT_WINDOW_NANOS = 3_600_000_000_000n; // the last hour
export const MAX_LIMIT = 1000;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `now`, or `now-<n><s|m|h|d|w>`: a time relative to when the request is answered, so a link to "the last hour" stays one. */
export function parseRelativeTime(value: string, nowMs: number): bigint | undefined {
  const match = /^now(?:-(\d{1,6})([smhdw]))?$/.exec(value.trim());
  if (!match) return undefined;
  const offset = match[1] ? Number(match[1]) * UNIT_MS[match[2]!]! : 0;
  // before 1970 is before any telemetry (and `now-999999w` before the first year a timestamp holds)
  if (offset > nowMs) return undefined;
  return BigInt(nowMs - offset) * 1_000_000n;
}

const Time = z
  .string()
  .meta({ description: "RFC 3339 time, epoch milliseconds, `now` or `now-<n><s|m|h|d|w>` (e.g. now-1h)" })
  .transform((value, ctx) => {
    const trimmed = value.trim();
    const nanos =
      parseRelativeTime(trimmed, Date.now()) ??
      parseTime(/^\d+$/.test(trimmed) && trimmed.length <= 13 ? Number(trimmed) : trimmed);
    if (nanos === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "must be an RFC 3339 time, epoch milliseconds or now[-<n><s|m|h|d|w>], from 1970 to 2262",
      });
      return z.NEVER;
    }
    return nanos;
  });

export const RangeParams = {
  from: Time.optional().meta({ description: "start of the range (default: an hour before `to`)" }),
  to: Time.optional().meta({ description: "end of the range (default: now)" }),
};

export const PageParams = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_LIMIT)
    .default(100)
    .meta({ description: `page size, at most ${MAX_LIMIT}` }),
  cursor: z.string().max(500).optional().meta({ description: "next_cursor of the previous page" }),
};

export interface Range {
  from: bigint;
  to: bigint;
}

/** The range a request asks for, with defaults; `from` after `to` is a 400 naming `from`. */
export function resolveRange(input: { from?: bigint; to?: bigint }, now: Date): Range {
  const to = input.to ?? BigInt(now.getTime()) * 1_000_000n;
  const from = input.from ?? to - DEFAULT_WINDOW_NANOS;
  if (from > to)
    throw new ApiError("validation_failed", "invalid query parameter: from: must not be after to", [
      { path: "from", message: "must not be after to" },
    ]);
  return { from, to };
}

export const rangeSeconds = (range: Range) => Math.max(Number(range.to - range.from) / 1e9, 1e-9);

/**
 * Cursors are opaque: base64url of the sort key of the last item returned. Keyset pagination
 * over a unique key, so pages neither repeat nor skip items while new data arrives.
 */
export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/** What a cursor's key part holds: a string, a number, or an integer too large for one (as decimal text). */
export type CursorPart = "string" | "number" | "bigint";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A key part as the endpoint gave it out: a forged one (NUL in text, past int64, 1e999) is refused before SQL. */
function fits(value: unknown, part: CursorPart): boolean {
  if (part === "bigint") {
    if (typeof value !== "string" || !/^-?\d{1,19}$/.test(value)) return false;
    const n = BigInt(value);
    return n >= INT64_MIN && n <= INT64_MAX;
  }
  if (part === "number") return typeof value === "number" && Number.isFinite(value);
  return typeof value === "string" && !value.includes("\u0000");
}

export function decodeCursor(cursor: string | undefined, shape: CursorPart[]): (string | number)[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(key) && key.length === shape.length && key.every((v, i) => fits(v, shape[i]!)))
      return key as (string | number)[];
  } catch {
    // fall through to the 400
  }
  throw new ApiError("validation_failed", "invalid query parameter: cursor: not a cursor this endpoint gave out", [
    { path: "cursor", message: "invalid cursor" },
  ]);
}

/** A trace id: 32 hex digits in either case, read as lowercase (the case Tracedeck stores). */
export const TraceIdParam = z
  .string()
  .regex(/^[0-9a-fA-F]{32}$/, "must be 32 hex characters")
  .transform((s) => s.toLowerCase());

/** The longest duration a filter or threshold may name: a year, far past any span or task, and far inside a number. */
export const MAX_DURATION_SECONDS = 366 * 86_400;

/** A non-negative duration in `unit`s of a filter or threshold: past a year (1e308, Infinity) is a 400 naming it. */
export function DurationParam(unit: "s" | "ms") {
  const max = unit === "s" ? MAX_DURATION_SECONDS : MAX_DURATION_SECONDS * 1000;
  return z.coerce
    .number()
    .min(0)
    .max(max, `must be at most ${max.toLocaleString("en")} ${unit} (a year)`);
}

/** `true` or `false`, as a query string says it. */
export const BoolParam = z.enum(["true", "false"]).transform((v) => v === "true");

/**
 * How many filters one repeatable parameter (attr=, tag=, group_by keys) may hold. Each attr= filter is a search of
 * its own that the planner weighs against the others: 160 of them took Postgres 39 s to plan.
 */
export const MAX_FILTERS = 10;

/** The values of a parameter that may be repeated (none, one or many); more than `max` is a 400 naming the count. */
export const repeatedParam = (max: number, what: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v, ctx) => {
      const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
      if (list.length > max) {
        ctx.addIssue({ code: "custom", message: `at most ${max} ${what}, got ${list.length}` });
        return z.NEVER;
      }
      return list;
    });

/** `key:value` pairs of repeatable parameters such as attr= and tag=; more than MAX_FILTERS is a 400. */
export const KeyValueParam = repeatedParam(MAX_FILTERS, "filters").transform((list, ctx) =>
  list.map((pair) => {
    const colon = pair.indexOf(":");
    if (colon <= 0) {
      ctx.addIssue({ code: "custom", message: `"${pair}" must be key:value` });
      return { key: "", value: "" };
    }
    return { key: pair.slice(0, colon), value: pair.slice(colon + 1) };
  }),
);

/** A step that divides the range into about 60 buckets, rounded to a width people read easily. */
export function defaultStepSeconds(rangeSecondsValue: number): number {
  const steps = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  // whole seconds: "now-1h" to now is an hour, whatever milliseconds pass while it is read
  const wanted = Math.round(rangeSecondsValue) / 60;
  return steps.find((s) => s >= wanted) ?? 86400;
}

export const StepParam = {
  step_seconds: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400)
    .optional()
    .meta({ description: "bucket width (default: the range in about 60 buckets)" }),
};

export interface Buckets {
  step: number;
  /** start of the first bucket, ns (a multiple of the step) */
  first: bigint;
  stepNanos: bigint;
  count: number;
}

/**
 * Points (series × buckets) one answer of series may hold. Every bucket of every series is built in memory, so
 * the series are bounded as well as the buckets: 600 host:port series of 10,000 buckets took gigabytes.
 */
export const MAX_SERIES_POINTS = 100_000;

const tooManyPoints = (what: string) => {
  const message = `${what} would hold more than the ${MAX_SERIES_POINTS.toLocaleString("en")} points an answer may hold; choose a larger step_seconds, a shorter range or a filter`;
  return new ApiError("unprocessable", message, [{ path: "step_seconds", message }]);
};

/** A 422 naming the limit when `series` series of the buckets `b` would hold more than MAX_SERIES_POINTS. */
export function assertSeriesFit(series: number, b: Buckets): void {
  if (series * b.count <= MAX_SERIES_POINTS) return;
  throw tooManyPoints(`${series.toLocaleString("en")} series of ${b.count.toLocaleString("en")} buckets`);
}

/**
 * Rows a series query may read: a series' bucket is at most one row (or one per operation of a host), so a query
 * stopped at this many rows has found an answer over the limit before it took the memory of one.
 */
export const SERIES_ROWS_READ = MAX_SERIES_POINTS + 1;

/** The rows of a series query (stopped at SERIES_ROWS_READ), or a 422 naming the limit when it read that many. */
export async function seriesRows<T>(rows: Promise<T[]>): Promise<T[]> {
  const read = await rows;
  if (read.length < SERIES_ROWS_READ) return read;
  throw tooManyPoints(`the series' more than ${MAX_SERIES_POINTS.toLocaleString("en")} buckets with data`);
}

/** The time buckets of a range: every one present in a series, so charts show gaps as zeros. */
export function buckets(range: Range, stepSeconds: number | undefined): Buckets {
  const step = stepSeconds ?? defaultStepSeconds(rangeSeconds(range));
  const stepNanos = BigInt(step) * 1_000_000_000n;
  const first = (range.from / stepNanos) * stepNanos;
  const count = Number((range.to - first) / stepNanos) + 1;
  if (count > 10_000)
    throw new ApiError(
      "unprocessable",
      `the range holds more than 10,000 steps of ${step} s; choose a larger step_seconds`,
    );
  return { step, first, stepNanos, count };
}
