import { describe, expect, it } from "vitest";
import { formatBytes, formatDate, formatDuration, formatPercent, formatRate, formatSecond } from "./format";

describe("formatting", () => {
  it("picks the unit a person reads a duration in", () => {
    expect(formatDuration(0.004)).toBe("4 µs");
    expect(formatDuration(12.34)).toBe("12.3 ms");
    expect(formatDuration(1530)).toBe("1.53 s");
    expect(formatDuration(95_000)).toBe("1.58 min");
    expect(formatDuration(null)).toBe("–");
  });
  it("shows slow rates per minute or hour instead of 0.00/s", () => {
    expect(formatRate(12.345)).toBe("12.3/s");
    expect(formatRate(0.5)).toBe("30/min");
    expect(formatRate(1 / 3600)).toBe("1/h");
  });
  it("shows tiny error rates as such, not as 0%", () => {
    expect(formatPercent(0)).toBe("0%");
    expect(formatPercent(0.0004)).toBe("<0.1%");
    expect(formatPercent(0.0512)).toBe("5.12%");
  });
  it("uses binary units for bytes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5 MiB");
  });
  it("shows settings dates to the minute, in local time", () => {
    expect(formatDate(new Date(2025, 2, 7, 9, 5, 59).toISOString())).toBe("2025-03-07 09:05");
    expect(formatDate("not a date")).toBe("not a date");
  });

  it("writes a chart's moment to the second on the 24-hour clock", () => {
    expect(formatSecond(new Date(2025, 2, 7, 21, 5, 9).getTime())).toBe("2025-03-07 21:05:09");
    expect(formatSecond(new Date(2025, 2, 7, 0, 0, 0).getTime())).toBe("2025-03-07 00:00:00");
    expect(formatSecond(Number.NaN)).toBe("–");
  });
});
