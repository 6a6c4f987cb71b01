import { describe, expect, it } from "vitest";
import { OutageGuard } from "./outage";

const never = () => new Promise<never>(() => {});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const timing = { suspectAfterMs: 20, recheckMs: 20 };

describe("the ingest outage guard", () => {
  it("lets a write that commits in time through, probing nothing", async () => {
    let probes = 0;
    const guard = new OutageGuard(
      async () => void probes++,
      () => {},
      timing,
    );
    expect(await guard.run(async () => "stored")).toBe("stored");
    await sleep(40);
    expect(probes).toBe(0);
  });

  it("waits on for a slow write while the database answers its probe", async () => {
    const guard = new OutageGuard(
      async () => {},
      () => {},
      timing,
    );
    expect(await guard.run(() => sleep(80).then(() => "stored"))).toBe("stored");
    expect(guard.isOut).toBe(false);
  });

  it("answers 503 to waiting writes once the probe fails, to new ones at once, until a probe answers", async () => {
    let answering = false;
    const said: string[] = [];
    const guard = new OutageGuard(
      async () => {
        if (!answering) throw new Error("no answer");
      },
      (message) => said.push(message),
      timing,
    );
    const started = Date.now();
    const waiting = [guard.run(never), guard.run(never)];
    for (const write of waiting) await expect(write).rejects.toMatchObject({ code: "unavailable", retryAfter: 5 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(guard.isOut).toBe(true);
    await expect(guard.run(async () => "stored")).rejects.toMatchObject({ code: "unavailable" });

    answering = true;
    await sleep(60);
    expect(guard.isOut).toBe(false);
    expect(await guard.run(async () => "stored")).toBe("stored");
    expect(said).toEqual([
      "the database does not answer: ingest answers 503 until it does",
      "the database answers again: ingest goes on",
    ]);
  });

  it("passes a write's own failure on", async () => {
    const guard = new OutageGuard(
      async () => {},
      () => {},
      timing,
    );
    await expect(guard.run(async () => Promise.reject(new Error("constraint")))).rejects.toThrow("constraint");
  });
});
