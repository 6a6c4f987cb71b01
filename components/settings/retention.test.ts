import { describe, expect, it } from "vitest";
import type { Retention, SignalStorage } from "@/components/data/types";
import { changedDays, totalBytes } from "./retention";

const stored = (days: number, bytes: number): SignalStorage => ({
  days,
  source: "default",
  tables: [],
  bytes,
  oldest_day: null,
  partitions: 0,
});

const saved: Retention = {
  traces: stored(7, 1024),
  logs: stored(7, 2048),
  events: stored(7, 0),
  metrics: stored(30, 4096),
  pipeline: stored(30, 0),
  rollups: stored(90, 0),
};

describe("storage settings", () => {
  it("sends only the signals whose days were changed", () => {
    expect(changedDays(saved, { traces: "3", logs: "7", metrics: " 45 " })).toEqual({ traces: 3, metrics: 45 });
  });
  it("sends nothing when every typed value is the saved one", () => {
    expect(changedDays(saved, {})).toBeNull();
    expect(changedDays(saved, { traces: "7", rollups: "90" })).toBeNull();
  });
  it("sends what the server must refuse as typed, so that its reason names the field", () => {
    expect(changedDays(saved, { traces: "0", logs: "2.5" })).toEqual({ traces: 0, logs: 2.5 });
    const empty = changedDays(saved, { events: "" });
    expect(Number.isNaN(empty?.events)).toBe(true);
    expect(JSON.stringify(empty)).toBe('{"events":null}');
  });
  it("adds up the disk of every signal", () => {
    expect(totalBytes(saved)).toBe(7168);
  });
});
