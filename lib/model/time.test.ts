import { describe, expect, it } from "vitest";
import { nanosToIso, nanosToIsoMicros, parseTime } from "./time";

const T = 1_763_787_600n; // 2025-11-22T05:00:00Z in seconds

describe("parseTime", () => {
  it("keeps all nine fractional digits of an RFC 3339 time", () => {
    expect(parseTime("2025-11-22T05:00:00.123456789Z")).toBe(T * 1_000_000_000n + 123_456_789n);
  });

  it("applies the zone offset, and reads a time without zone as UTC", () => {
    expect(parseTime("2025-11-22T07:00:00+02:00")).toBe(T * 1_000_000_000n);
    expect(parseTime("2025-11-22T00:30:00-04:30")).toBe(T * 1_000_000_000n);
    expect(parseTime("2025-11-22T05:00:00.5")).toBe(T * 1_000_000_000n + 500_000_000n);
    expect(parseTime("2025-11-22 05:00:00")).toBe(T * 1_000_000_000n);
  });

  it("reads epoch numbers in seconds, milliseconds, microseconds and nanoseconds by magnitude", () => {
    expect(parseTime(1_763_787_600.25)).toBe(T * 1_000_000_000n + 250_000_000n);
    expect(parseTime(1_763_787_600_250)).toBe(T * 1_000_000_000n + 250_000_000n);
    expect(parseTime(1_763_787_600_250_001)).toBe(T * 1_000_000_000n + 250_001_000n);
    expect(parseTime("1763787600250000001")).toBe(T * 1_000_000_000n + 250_000_001n);
    expect(parseTime("1763787600.5")).toBe(T * 1_000_000_000n + 500_000_000n);
  });

  it("refuses what is not a time", () => {
    for (const bad of [
      "yesterday",
      "2025-02-30T00:00:00Z",
      "2025-13-01T00:00:00Z",
      -5,
      Number.NaN,
      Infinity,
      {},
      null,
      true,
      "99999999999999999999",
    ]) {
      expect(parseTime(bad), String(bad)).toBeUndefined();
    }
  });
});

describe("formatting", () => {
  it("writes microseconds for timestamptz and nanoseconds for display", () => {
    const nanos = T * 1_000_000_000n + 123_456_789n;
    expect(nanosToIsoMicros(nanos)).toBe("2025-11-22T05:00:00.123456Z");
    expect(nanosToIso(nanos)).toBe("2025-11-22T05:00:00.123456789Z");
  });

  it("agrees with Date for times on either side of seconds, days and years, in any order", () => {
    const viaDate = (nanos: bigint) =>
      `${new Date(Number(nanos / 1_000_000n)).toISOString().slice(0, 23)}${(nanos % 1_000_000n).toString().padStart(6, "0")}Z`;
    const edges = [
      0n,
      999_999_999n,
      1_000_000_000n,
      1_767_225_599_999_999_999n,
      1_767_225_600_000_000_000n,
      4_102_444_800_000_000_000n,
    ];
    const random = Array.from(
      { length: 2000 },
      () => BigInt(Math.floor(Math.random() * 4e9)) * 1_000_000_000n + BigInt(Math.floor(Math.random() * 1e9)),
    );
    for (const nanos of [...edges, ...random, ...edges.reverse()]) {
      expect(nanosToIso(nanos)).toBe(viaDate(nanos));
      expect(nanosToIsoMicros(nanos)).toBe(viaDate(nanos).slice(0, 26) + "Z");
    }
  });
});
