import { describe, expect, it } from "vitest";
import {
  BoolParam,
  decodeCursor,
  defaultStepSeconds,
  encodeCursor,
  RangeParams,
  parseRelativeTime,
  TraceIdParam,
} from "./params";

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

describe("cursors", () => {
  it("give back the key they were made of", () => {
    expect(decodeCursor(encodeCursor(["1763787600000000001", "abc"]), ["bigint", "string"])).toEqual([
      "1763787600000000001",
      "abc",
    ]);
    expect(decodeCursor(encodeCursor([1.5, "abc"]), ["number", "string"])).toEqual([1.5, "abc"]);
    expect(decodeCursor(undefined, ["number"])).toBeUndefined();
  });
  it("are a validation failure when they do not fit the endpoint's key, an integer part that is not one too", () => {
    for (const [key, shape] of [
      [
        ["x", "abc"],
        ["bigint", "string"],
      ],
      [
        ["1.5", "abc"],
        ["bigint", "string"],
      ],
      [
        ["1", "abc"],
        ["number", "string"],
      ],
      [[1], ["number", "string"]],
    ] as const)
      expect(() => decodeCursor(encodeCursor([...key]), [...shape])).toThrow(
        expect.objectContaining({ code: "validation_failed", message: expect.stringMatching(/cursor/) }),
      );
    expect(() => decodeCursor("not base64 json", ["number"])).toThrow(
      expect.objectContaining({ code: "validation_failed" }),
    );
  });
});

describe("shared parameters", () => {
  it("read a trace id in either case as lowercase, and nothing else as one", () => {
    expect(TraceIdParam.parse("AB".repeat(16))).toBe("ab".repeat(16));
    expect(TraceIdParam.safeParse("ab".repeat(15)).error?.issues[0]?.message).toBe("must be 32 hex characters");
  });
  it("read true and false, and nothing else, as a boolean", () => {
    expect(BoolParam.parse("true")).toBe(true);
    expect(BoolParam.parse("false")).toBe(false);
    expect(BoolParam.safeParse("yes").success).toBe(false);
  });
});
