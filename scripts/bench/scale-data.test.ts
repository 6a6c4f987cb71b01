import { describe, expect, it } from "vitest";
import { chunksOf, DAY_MS, dayWindows, LOADERS, SPREAD_MS, volumeAt, type Loader } from "./scale-data";

const loader = (table: string): Loader => LOADERS.find((l) => l.table === table)!;
// 7 days before a clock in the middle of a UTC day: 8 windows, the first and last cut short
const CLOCK = Date.UTC(2026, 0, 15, 13, 20);
const WINDOWS = dayWindows(CLOCK - SPREAD_MS, CLOCK);

describe("the scale benchmark's plan", () => {
  it("cuts the 7 days into UTC days, one window per daily partition, end to end", () => {
    expect(WINDOWS).toHaveLength(8);
    expect(WINDOWS[0]!.fromMs).toBe(CLOCK - SPREAD_MS);
    expect(WINDOWS.at(-1)!.toMs).toBe(CLOCK);
    for (const [i, w] of WINDOWS.entries()) {
      expect(Math.floor(w.fromMs / DAY_MS)).toBe(Math.floor((w.toMs - 1) / DAY_MS));
      if (i > 0) expect(w.fromMs).toBe(WINDOWS[i - 1]!.toMs);
    }
  });

  it("writes each new trace once, in a day's share proportional to its length, in inserts of at most 1M rows", () => {
    const spans = loader("spans");
    const [from, to] = [spans.entities(volumeAt(1_000_000)), spans.entities(volumeAt(10_000_000))];
    const chunks = chunksOf(spans, from, to, WINDOWS);
    const written = chunks.flatMap((c) => [c.first, c.end]);
    expect(written[0]).toBe(from);
    expect(written.at(-1)).toBe(to);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.first).toBe(chunks[i - 1]!.end);
    for (const c of chunks) {
      expect((c.end - c.first) * spans.rowsPerEntity(c.toMs - c.fromMs)).toBeLessThanOrEqual(1_000_000);
      expect(c.first).toBeGreaterThanOrEqual(c.placed.first);
      expect(c.end).toBeLessThanOrEqual(c.placed.end);
    }
    const fullDay = chunks.filter((c) => c.toMs - c.fromMs === DAY_MS);
    const perDay = new Set(fullDay.map((c) => c.placed.end - c.placed.first));
    expect(Math.max(...perDay) - Math.min(...perDay)).toBeLessThanOrEqual(1);
  });

  it("gives every day the points of each new metric series, and writes the series themselves once", () => {
    const [before, after] = [volumeAt(1_000_000), volumeAt(10_000_000)];
    const points = chunksOf(loader("metric_points"), before.metricSeries, after.metricSeries, WINDOWS);
    for (const w of WINDOWS) {
      const ofDay = points.filter((c) => c.fromMs === w.fromMs);
      expect(ofDay.reduce((n, c) => n + c.end - c.first, 0)).toBe(after.metricSeries - before.metricSeries);
    }
    const series = chunksOf(loader("metric_series"), before.metricSeries, after.metricSeries, WINDOWS);
    expect(series).toEqual([expect.objectContaining({ first: 30, end: 300 })]);
  });

  it("holds nothing at 0 spans, and the proportions of the brief at 10M", () => {
    expect(Object.values(volumeAt(0))).toEqual([0, 0, 0, 0, 0]);
    expect(volumeAt(10_000_000)).toEqual({
      traces: 1_000_000,
      events: 100_000,
      tasks: 2_000_000,
      networkOps: 500_000,
      metricSeries: 300,
    });
    expect(volumeAt(20_000).metricSeries).toBe(1);
  });
});
