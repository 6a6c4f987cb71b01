import { afterEach, describe, expect, it, vi } from "vitest";
import { SendFailure } from "./failure";
import { backoffMs, DEGRADED_FOR_MS, Forwarder, type Delivery, type ForwarderOptions, type Target } from "./forwarder";

const open: Forwarder<number>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

const OPTIONS: ForwarderOptions = {
  batchSize: 3,
  maxQueue: 10,
  flushIntervalMs: 60_000,
  retryInitialMs: 1000,
  retryMaxMs: 8000,
  timeoutMs: 1000,
};

/** A target that answers as `answer` says and records every batch it was offered. */
function target(answer: (batch: number[]) => Delivery | Error) {
  const batches: number[][] = [];
  const t: Target<number> = {
    send: async (batch) => {
      batches.push([...batch]);
      const outcome = answer(batch);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
  return { t, batches };
}

function forwarder(t: Target<number>, clock: { now: number }, options: Partial<ForwarderOptions> = {}) {
  const f = new Forwarder(t, { ...OPTIONS, ...options }, () => clock.now);
  open.push(f);
  return f;
}

describe("backoffMs", () => {
  it("doubles from the first delay up to the cap, within ±20%", () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 1000, 8000, middle))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000,
    ]);
    expect(backoffMs(1, 1000, 8000, () => 0)).toBe(800);
    expect(backoffMs(1, 1000, 8000, () => 0.999999)).toBe(1200);
    expect(backoffMs(500, 1000, 8000, middle)).toBe(8000);
  });
});

describe("Forwarder", () => {
  it("sends in batches of its size, in order", async () => {
    const { t, batches } = target(() => ({ rejected: 0 }));
    const f = forwarder(t, { now: 0 });
    f.offer([1, 2, 3, 4, 5, 6, 7]);
    await f.flush();
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(f.status()).toMatchObject({ state: "healthy", sent: 7, backlog: 0 });
  });

  it("opens its circuit on a failure: nothing is sent until the backoff has passed, then the same records go first", async () => {
    let up = false;
    const down = new SendFailure("could not connect to es.example:9200: connection refused");
    const { t, batches } = target(() => (up ? { rejected: 0 } : down));
    const clock = { now: 0 };
    const f = forwarder(t, clock);
    f.offer([1, 2]);
    await f.flush();
    expect(batches).toHaveLength(1);
    expect(f.status()).toMatchObject({ state: "failing", sent: 0, backlog: 2, lastError: down.message });

    f.offer([3, 4]); // a full batch would normally be sent at once
    await f.flush();
    clock.now = 700; // within the first backoff (800–1200 ms)
    await f.flush();
    expect(batches).toHaveLength(1);

    clock.now = 1300;
    await f.flush(); // still down: the second backoff is about twice as long
    expect(batches).toHaveLength(2);
    clock.now = 1300 + 1500;
    await f.flush();
    expect(batches).toHaveLength(2);

    up = true;
    clock.now = 1300 + 2500;
    await f.flush();
    expect(batches.slice(2)).toEqual([[1, 2, 3], [4]]);
    expect(f.status()).toMatchObject({ state: "healthy", sent: 4, backlog: 0 });
  });

  it("counts refused records as failed and is degraded for a while after; a target refusing everything is failing", async () => {
    const { t } = target((batch) =>
      batch.includes(99)
        ? { rejected: batch.length, error: "401 unauthorized" }
        : { rejected: 1, error: "mapping conflict" },
    );
    const clock = { now: 0 };
    const f = forwarder(t, clock);
    f.offer([1, 2, 3]);
    await f.flush();
    expect(f.status()).toMatchObject({ state: "degraded", sent: 2, failed: 1, lastError: "mapping conflict" });
    clock.now = DEGRADED_FOR_MS - 1;
    expect(f.status().state).toBe("degraded");
    clock.now = DEGRADED_FOR_MS;
    expect(f.status().state).toBe("healthy");
    f.offer([99]);
    await f.flush();
    expect(f.status()).toMatchObject({
      state: "failing",
      sent: 2,
      failed: 2,
      backlog: 0,
      lastError: "401 unauthorized",
    });
  });

  it("keeps at most its bound, dropping the oldest and counting them", async () => {
    const { t, batches } = target(() => new SendFailure("down"));
    const f = forwarder(t, { now: 0 }, { maxQueue: 4, batchSize: 100 });
    f.offer([1, 2, 3]);
    await f.flush();
    f.offer([4, 5, 6]);
    expect(f.status()).toMatchObject({ backlog: 4, dropped: 2, state: "failing" });
    expect(f.status().lastError).toMatch(/queue full \(4 records\): dropped the oldest 2/);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("sends again only the records the target was too busy for", async () => {
    let calls = 0;
    const { t, batches } = target(() =>
      calls++ === 0 ? { rejected: 0, retry: [1], retryError: "429 busy" } : { rejected: 0 },
    );
    const clock = { now: 0 };
    const f = forwarder(t, clock);
    f.offer([1, 2, 3]);
    await f.flush();
    expect(f.status()).toMatchObject({ state: "failing", sent: 2, backlog: 1, lastError: "429 busy" });
    clock.now = 5000;
    await f.flush();
    expect(batches).toEqual([[1, 2, 3], [2]]);
    expect(f.status()).toMatchObject({ state: "healthy", sent: 3, backlog: 0 });
  });

  it("hands its queue to the forwarder that replaces it", async () => {
    const down = target(() => new SendFailure("down"));
    const up = target(() => ({ rejected: 0 }));
    const before = forwarder(down.t, { now: 0 });
    before.offer([1, 2]);
    await before.flush();
    const after = forwarder(up.t, { now: 0 });
    after.adopt(before);
    await after.flush();
    expect(up.batches).toEqual([[1, 2]]);
    expect(before.backlog).toBe(0);
  });

  it("shows only its own words for a failure, never the text of an error a target threw", async () => {
    const leaky = Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:9200 <html>MARKER-internal-page</html>"), {
      code: "ECONNREFUSED",
    });
    const odd = new Error("MARKER-odd-failure");
    for (const [thrown, shown] of [
      [leaky, /^could not connect to the target: connection refused$/],
      [odd, /^the send to the target failed; the server log has the details$/],
    ] as const) {
      const { t } = target(() => thrown);
      const f = forwarder(t, { now: 0 });
      f.offer([1]);
      const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
      await f.flush();
      log.mockRestore();
      expect(f.status().lastError).toMatch(shown);
      expect(f.status().lastError).not.toContain("MARKER");
    }
  });
});
