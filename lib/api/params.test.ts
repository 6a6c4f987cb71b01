import { describe, expect, it } from "vitest";
import { defaultStepSeconds, RangeParams, parseRelativeTime } from "./params";

describe("relative times", () => {
  const nowMs = Date.UTC(2026, 10, 22, 12, 0, 0);
  it("reads now and now-<n><unit>", () => {
    expect(parseRelativeTime("now", nowMs)).toBe(BigInt(nowMs) * 1_000_000n);
    expect(parseRelativeTime("now-15m", nowMs)).toBe(BigInt(nowMs - 900_000) * 1_000_000n);
    expect(parseRelativeTime(" now-2d ", nowMs)).toBe(BigInt(nowMs - 172_800_000) * 1_000_000n);
    expect(parseRelativeTime("now-1w", nowMs)).toBe(BigInt(nowMs - 604_800_000) * 1_000_000n);
  });
  it("leaves everything else to the absolute parser", () => {
    for (const value of ["now-", "now-5", "now+5m", "now-5y", "yesterday", "2026-11-22T12:00:00Z"])
      expect(parseRelativeTime(value, nowMs)).toBeUndefined();
  });
  it("is accepted by the range parameters, and a wrong one names what is allowed", () => {
    const before = BigInt(Date.now() - 3_600_000) * 1_000_000n;
    const from = RangeParams.from.parse("now-1h")!;
    expect(from >= before).toBe(true);
    expect(from - before < 60_000_000_000n).toBe(true);
    expect(RangeParams.from.safeParse("now-1y").error?.issues[0]?.message).toMatch(/now\[-<n><s\|m\|h\|d\|w>\]/);
  });
});

describe("default steps", () => {
  it("divide a range into about 60 round buckets, an hour read a few ms late still an hour", () => {
    expect(defaultStepSeconds(3600)).toBe(60);
    expect(defaultStepSeconds(3600.004)).toBe(60);
    expect(defaultStepSeconds(1800)).toBe(30);
    expect(defaultStepSeconds(86_400)).toBe(1800);
    expect(defaultStepSeconds(30 * 86_400)).toBe(43_200);
  });
});
