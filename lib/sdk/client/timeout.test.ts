import { describe, expect, it } from "vitest";
import { timeoutMs } from "./timeout";

describe("timeouts as the reference client takes them", () => {
  it("reads a number as seconds, so shutdown(60) waits a minute as in Python", () => {
    expect(timeoutMs(60)).toBe(60_000);
    expect(timeoutMs(0.25)).toBe(250);
  });

  it("reads a TimeSpan as the sum of its parts", () => {
    expect(timeoutMs({ milliseconds: 500 })).toBe(500);
    expect(timeoutMs({ minutes: 1, seconds: 1, milliseconds: 1 })).toBe(61_001);
    expect(timeoutMs({})).toBe(0);
  });
});
