import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestProject, openTestDatabase, uniqueName } from "@/db/testing";
import type { Database } from "@/db/testing/tables";
import { createChannel, listChannels, updateChannel } from "./manage-channels";

// Saving a channel with the production rule for targets (the other tests allow private ones, to send to their
// loopback receivers): a channel that would send to a private address is a 400 naming the field, as a publisher is.

vi.mock("@/lib/config", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/config")>();
  return { ...actual, config: () => ({ ...actual.config(), allowPrivateTargets: false }) };
});

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

describe("channel targets", () => {
  it("are refused when saved if private, and credentials never come back", async () => {
    const ctx = await createTestProject(database);
    const save = (type: string, config: Record<string, unknown>) =>
      createChannel({ ctx, input: { name: uniqueName("c"), type, config } });
    await expect(save("webhook", { url: "http://127.0.0.1:9/hook" })).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(
        /^invalid webhook channel config: config\.url: the target is a private address \(127\.0\.0\.1\)/,
      ),
      details: [{ path: "config.url" }],
    });
    await expect(save("slack", { url: "http://10.0.0.5/services/x" })).rejects.toMatchObject({
      details: [{ path: "config.url" }],
    });
    await expect(
      save("email", { host: "localhost", port: 25, from: "a@example.com", to: ["b@example.com"] }),
    ).rejects.toMatchObject({ details: [{ path: "config.host" }] });
    await expect(
      save("pagerduty", { routing_key: "k", url: "http://169.254.169.254/v2/enqueue" }),
    ).rejects.toMatchObject({
      details: [{ path: "config.url" }],
    });
    await expect(
      save("email", { host: "93.184.216.34", port: 587, from: "not an address", to: [] }),
    ).rejects.toMatchObject({
      code: "validation_failed",
    });

    const hook = await save("webhook", { url: "http://93.184.216.34/hook", secret: "the signing secret" });
    expect(hook.config).toEqual({ url: "http://93.184.216.34/hook", secret: "••••••" });
    // an edit that sends the credential back redacted keeps it; one to a private address is refused
    await updateChannel({
      ctx,
      input: { id: hook.id, body: { config: { url: "http://93.184.216.35/hook", secret: "••••••" } } },
    });
    await expect(
      updateChannel({ ctx, input: { id: hook.id, body: { config: { url: "http://127.0.0.1/hook" } } } }),
    ).rejects.toMatchObject({ details: [{ path: "config.url" }] });
    const [listed] = (await listChannels({ ctx })).channels;
    expect(listed!.config).toEqual({ url: "http://93.184.216.35/hook", secret: "••••••" });
    expect(JSON.stringify(listed)).not.toContain("the signing secret");
  });
});
