import { describe, expect, it } from "vitest";
import { describeRange, relativeOffsetMs, resolveRangeMs } from "./time-range";

describe("time ranges in the URL", () => {
  const now = Date.UTC(2026, 10, 22, 12, 0, 0);
  it("reads relative and absolute ends", () => {
    expect(relativeOffsetMs("now-15m")).toBe(900_000);
    expect(relativeOffsetMs("now")).toBe(0);
    expect(relativeOffsetMs("later")).toBeUndefined();
    expect(resolveRangeMs("now-1h", "now", now)).toEqual({ fromMs: now - 3_600_000, toMs: now });
    expect(resolveRangeMs("2026-11-22T10:00:00Z", "1763805600000", now)).toEqual({
      fromMs: Date.UTC(2026, 10, 22, 10),
      toMs: 1763805600000,
    });
    expect(resolveRangeMs("soon", "now", now)).toBeUndefined();
  });
  it("names presets and other relative ranges in words", () => {
    expect(describeRange("now-1h", "now")).toBe("Last 1 hour");
    expect(describeRange("now-30m", "now")).toBe("Last 30 minutes");
    expect(describeRange("now-2d", "now")).toBe("Last 2 days");
    expect(describeRange("2026-01-01T10:00:00Z", "2026-01-01T11:30:00Z", true)).toBe(
      "2026-01-01 10:00 UTC → 2026-01-01 11:30 UTC",
    );
  });
});
