// Times on the wire are RFC 3339 strings or epoch numbers; inside they are integer nanoseconds.

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9})\d*)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/** Latest time an int64 of nanoseconds holds (2262-04-11). */
export const MAX_NANOS = 9_223_372_036_854_775_807n;

/**
 * Epoch numbers are read by magnitude: seconds (with fractions, as Python's time.time() gives),
 * milliseconds, microseconds or nanoseconds. Strings of digits are read the same way, exactly.
 */
function fromEpochNumber(value: number): bigint | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  if (value < 1e11) return BigInt(Math.round(value * 1e6)) * 1000n; // seconds, µs precision
  if (value < 1e14) return BigInt(Math.round(value * 1e3)) * 1000n; // ms
  if (value < 1e17) return BigInt(Math.round(value)) * 1000n; // µs
  return BigInt(Math.round(value)); // ns (beyond 2^53 a number has lost digits; send a string)
}

function fromDigits(digits: string): bigint {
  const n = BigInt(digits);
  if (n < 100_000_000_000n) return n * 1_000_000_000n;
  if (n < 100_000_000_000_000n) return n * 1_000_000n;
  if (n < 100_000_000_000_000_000n) return n * 1000n;
  return n;
}

function fromRfc3339(text: string): bigint | undefined {
  const m = RFC3339.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60)
    return undefined;
  const ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Math.min(Number(s), 59));
  if (Number.isNaN(ms)) return undefined;
  // a date that rolled over (Feb 30) is not a date
  if (new Date(ms).getUTCDate() !== day) return undefined;
  let nanos = BigInt(ms) * 1_000_000n + BigInt((frac ?? "").padEnd(9, "0") || "0");
  if (sign) {
    const offsetMinutes = Number(oh) * 60 + Number(om);
    nanos -= BigInt((sign === "-" ? -1 : 1) * offsetMinutes) * 60_000_000_000n;
  }
  // no zone: UTC, as naive datetimes from Python SDKs are
  return nanos;
}

/** Parses a wire time to epoch nanoseconds; undefined when it is not a time. */
export function parseTime(value: unknown): bigint | undefined {
  let nanos: bigint | undefined;
  if (typeof value === "number") nanos = fromEpochNumber(value);
  else if (typeof value === "string") {
    const trimmed = value.trim();
    if (/^\d{1,19}$/.test(trimmed)) nanos = fromDigits(trimmed);
    else if (/^\d+\.\d+$/.test(trimmed)) nanos = fromEpochNumber(Number(trimmed));
    else nanos = fromRfc3339(trimmed);
  }
  if (nanos === undefined || nanos < 0n || nanos > MAX_NANOS) return undefined;
  return nanos;
}

// The date and time of day of the last second formatted: records of a batch mostly share their
// second, and `new Date().toISOString()` costs more than the rest of the formatting together.
let cachedSecond = -1n;
let cachedPrefix = "";

/** `YYYY-MM-DDTHH:MM:SS` of an epoch second. */
function secondPrefix(second: bigint): string {
  if (second !== cachedSecond) {
    cachedPrefix = new Date(Number(second) * 1000).toISOString().slice(0, 19);
    cachedSecond = second;
  }
  return cachedPrefix;
}

/** RFC 3339 with microseconds, as Postgres timestamptz takes it. */
export function nanosToIsoMicros(nanos: bigint): string {
  const micros = ((nanos % 1_000_000_000n) / 1000n).toString().padStart(6, "0");
  return `${secondPrefix(nanos / 1_000_000_000n)}.${micros}Z`;
}

/** RFC 3339 with all nine fractional digits. */
export function nanosToIso(nanos: bigint): string {
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, "0");
  return `${secondPrefix(nanos / 1_000_000_000n)}.${fraction}Z`;
}

export function dateToNanos(date: Date): bigint {
  return BigInt(date.getTime()) * 1_000_000n;
}
