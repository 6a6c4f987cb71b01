import { afterEach, describe, expect, it, vi } from "vitest";
import { openDatabase } from "@/db";
import { startMaintenance } from "./maintenance";

// A maintenance pass that fails (here: the database is not there) drops nothing and runs again a
// minute later, sooner than the regular interval.

describe("storage maintenance", () => {
  afterEach(() => vi.useRealTimers());

  it("tries a failed pass again after a minute, and keeps trying", async () => {
    // nothing listens on port 1: every query fails at once with a refused connection
    const database = openDatabase({ driver: "postgres", url: "postgres://root@127.0.0.1:1/none", poolSize: 1 });
    const messages: string[] = [];
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const stop = startMaintenance(database, { intervalMs: 5 * 60_000, log: (m) => messages.push(m) });
    try {
      await vi.waitFor(() => expect(messages).toHaveLength(1), { timeout: 10_000 });
      expect(messages[0]).toMatch(/^storage maintenance failed, trying again in 60 s: /);
      await vi.advanceTimersByTimeAsync(59_000);
      expect(messages).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1_000);
      await vi.waitFor(() => expect(messages).toHaveLength(2), { timeout: 10_000 });
    } finally {
      stop();
      await database.close();
    }
  });
});
