import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createKey, storedCounts, startServer } from "./server";

describe("embedded storage across restarts", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tracedeck-restart-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("keeps acknowledged data and keys after the server stops and starts again", async () => {
    const first = await startServer({ dataDir });
    const key = await createKey(first.env, "ingest");
    const send = (url: string) =>
      fetch(`${url}/api/v1/pipeline/events`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key },
        body: JSON.stringify({
          events: [
            { event_name: "nightly", task_id: `t-${Date.now()}-${Math.random()}`, start_time: Date.now() / 1000 },
          ],
        }),
      });
    expect((await send(first.url)).status).toBe(200);
    expect((await storedCounts(first.url)).pipeline_events).toBe(1);
    await first.stop();

    const second = await startServer({ dataDir });
    try {
      expect((await storedCounts(second.url)).pipeline_events).toBe(1);
      expect((await send(second.url)).status).toBe(200);
      expect((await storedCounts(second.url)).pipeline_events).toBe(2);
    } finally {
      await second.stop();
    }
  });
});
