import { describe, expect, it } from "vitest";
import { LagTracker, parseLsn } from "./replica";

describe("parseLsn", () => {
  it("orders WAL positions as Postgres does, across the high half", () => {
    expect(parseLsn("0/16B3748")).toBe(0x16b3748n);
    expect(parseLsn("2/D000000")).toBe((2n << 32n) | 0xd000000n);
    expect(parseLsn("1/0") > parseLsn("0/FFFFFFFF")).toBe(true);
  });

  it("refuses what is not a position", () => {
    expect(() => parseLsn("16B3748")).toThrow(/not a WAL position/);
    expect(() => parseLsn("0/xyz")).toThrow(/not a WAL position/);
  });
});

describe("LagTracker", () => {
  it("is no lag while the replica has replayed what the primary had", () => {
    const lag = new LagTracker();
    lag.primaryAt(1000, 100n);
    lag.replayedUpTo(100n);
    expect(lag.lagMs(5000)).toBe(0);
  });

  it("is the age of the oldest primary position not replayed yet, and grows while replay stands still", () => {
    const lag = new LagTracker();
    lag.primaryAt(1000, 100n);
    lag.replayedUpTo(90n);
    expect(lag.lagMs(1000)).toBe(0);
    lag.primaryAt(2000, 200n);
    lag.replayedUpTo(90n);
    expect(lag.lagMs(2000)).toBe(1000);
    expect(lag.lagMs(7000)).toBe(6000);
    // replay passes the first sample, not the second: the lag is counted from the second
    lag.replayedUpTo(150n);
    expect(lag.lagMs(7000)).toBe(5000);
    lag.replayedUpTo(200n);
    expect(lag.lagMs(7000)).toBe(0);
  });

  it("counts an idle primary as no lag, however long since its last write", () => {
    const lag = new LagTracker();
    lag.primaryAt(1000, 100n);
    lag.primaryAt(60_000, 100n); // nothing written in between
    lag.replayedUpTo(100n);
    expect(lag.lagMs(3_600_000)).toBe(0);
  });

  it("keeps the samples taken while the replica was unreachable, so a replica back from a stop is not taken for current", () => {
    const lag = new LagTracker();
    lag.primaryAt(1000, 100n);
    lag.replayedUpTo(100n);
    lag.primaryAt(2000, 150n); // the replica does not answer from here on
    lag.primaryAt(3000, 180n);
    lag.primaryAt(9000, 300n);
    lag.replayedUpTo(120n); // back, and still replaying what it missed
    expect(lag.lagMs(9000)).toBe(7000);
  });

  it("is none once the replica is found to be a primary itself", () => {
    const lag = new LagTracker();
    lag.primaryAt(1000, 100n);
    lag.caughtUp();
    expect(lag.lagMs(9000)).toBe(0);
  });

  it("keeps its oldest sample however long the replica stays behind", () => {
    const lag = new LagTracker();
    for (let i = 0; i < 5000; i++) lag.primaryAt(i * 1000, BigInt(i + 1));
    lag.replayedUpTo(0n);
    expect(lag.lagMs(5_000_000)).toBe(5_000_000);
  });
});
