import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { planRange, ROLLUP_MIN_RANGE_NANOS, type Interval } from "./rollup-plan";

const MINUTE = 60_000_000_000n;
const HOUR = 60n * MINUTE;
const T0 = 1_796_083_200_000_000_000n; // 2026-12-01T00:00:00Z
const dialect = new PgDialect();

/** The plan's rollup rows as [step, from, to] in minutes after T0, read back from its SQL's parameters. */
function rollupRows(plan: NonNullable<ReturnType<typeof planRange>>): [number, number, number][] {
  const { sql, params } = dialect.sqlToQuery(plan.rollup);
  const out: [number, number, number][] = [];
  // each interval is `(time >= to_timestamp($n::float8) and time < to_timestamp($m::float8))` after its step
  const steps = [...sql.matchAll(/step_seconds = \$(\d+)|time >= to_timestamp\(\$(\d+)/g)];
  let step = 0;
  for (const m of steps) {
    if (m[1]) step = Number(params[Number(m[1]) - 1]);
    else {
      const at = Number(m[2]);
      const from = Number(params[at - 1]);
      const to = Number(params[at]);
      const minutes = (seconds: number) => Math.round((seconds - Number(T0 / 1_000_000_000n)) / 60);
      out.push([step, minutes(from), minutes(to)]);
    }
  }
  return out;
}

const minutesOf = (intervals: Interval[]) =>
  intervals.map((i) => [Number((i.from - T0) / 1_000_000n) / 60_000, Number((i.to - T0) / 1_000_000n) / 60_000]);

describe("planning a range over rollups", () => {
  it("reads raw rows only for a range narrower than the rollups need", () => {
    expect(planRange({ from: T0, to: T0 + ROLLUP_MIN_RANGE_NANOS - 2n }, [])).toBeNull();
  });

  it("reads hours inside the range, minutes around them and raw rows for the part minutes at the ends", () => {
    // 00:30:30 → 03:10:15
    const range = { from: T0 + 30n * MINUTE + 30_000_000_000n, to: T0 + 3n * HOUR + 10n * MINUTE + 15_000_000_000n };
    const plan = planRange(range, [])!;
    expect(rollupRows(plan)).toEqual([
      [60, 31, 60],
      [60, 180, 190],
      [3600, 60, 180],
    ]);
    expect(minutesOf(plan.raw)).toEqual([
      [30.5, 31],
      [190, 190.25], // to the nanosecond after `to`, which is inclusive
    ]);
  });

  it("reads the marked minutes raw, and the hours holding them minute by minute", () => {
    const range = { from: T0, to: T0 + 3n * HOUR - 1n };
    const plan = planRange(range, [T0 + 65n * MINUTE, T0 + 66n * MINUTE, T0 + 150n * MINUTE])!;
    expect(rollupRows(plan)).toEqual([
      [60, 60, 65],
      [60, 67, 150],
      [60, 151, 180],
      [3600, 0, 60],
    ]);
    expect(minutesOf(plan.raw)).toEqual([
      [65, 67],
      [150, 151],
    ]);
  });

  it("reads minutes only when the step is no whole number of hours", () => {
    const plan = planRange({ from: T0, to: T0 + 2n * HOUR - 1n }, [], { hours: false })!;
    expect(rollupRows(plan)).toEqual([[60, 0, 120]]);
    expect(plan.raw).toEqual([]);
  });

  it("answers from raw rows when every minute is marked", () => {
    const marked = Array.from({ length: 20 }, (_, i) => T0 + BigInt(i) * MINUTE);
    expect(planRange({ from: T0, to: T0 + 20n * MINUTE - 1n }, marked)).toBeNull();
  });
});
