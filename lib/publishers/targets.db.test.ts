import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestProject, openTestDatabase, uniqueName } from "@/db/testing";
import type { Database } from "@/db/testing/tables";
import { applyEnvPublishers } from "./env";
import { createPublisher, updatePublisher } from "./manage";

// Saving a publisher with the production rule for targets (the other tests allow private ones, to send to their
// loopback receivers): a target that is, or resolves to, a private address is a 400 naming the field.

vi.mock("@/lib/config", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/config")>();
  return { ...actual, config: () => ({ ...actual.config(), allowPrivateTargets: false }) };
});

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

describe("publisher targets", () => {
  it("are refused when saved if private, literally or by what the name resolves to (localhost)", async () => {
    const ctx = await createTestProject(database);
    const save = (type: string, config: Record<string, unknown>) =>
      createPublisher({ ctx, input: { name: uniqueName("p"), type, config } });
    for (const url of [
      "http://127.0.0.1:9200/hook",
      "http://localhost:9200/hook",
      "http://[::ffff:127.0.0.1]/hook",
      "http://169.254.169.254/latest",
      "http://10.0.0.5/hook",
    ])
      await expect(save("webhook", { url }), url).rejects.toMatchObject({
        code: "validation_failed",
        message: expect.stringMatching(
          /^invalid webhook config: config\.url: the target (is|localhost resolves to) a private address \((127\.0\.0\.1|::1|::ffff:7f00:1|169\.254\.169\.254|10\.0\.0\.5)\); set TRACEDECK_ALLOW_PRIVATE_TARGETS to allow it$/,
        ),
        details: [{ path: "config.url" }],
      });
    await expect(
      save("prometheus", { url: "http://192.168.0.10:9090/api/v1/write", username: "u", password: "p" }),
    ).rejects.toMatchObject({ code: "validation_failed", details: [{ path: "config.url" }] });
    await expect(save("elasticsearch", { hosts: ["http://[fd00::5]:9200"] })).rejects.toMatchObject({
      details: [{ path: "config.hosts.0" }],
    });

    // a name that does not resolve now is saved: the send says so when it still does not
    const { id } = await save("webhook", { url: "https://hooks.example.invalid/hook" });
    await expect(
      updatePublisher({ ctx, input: { id, body: { config: { url: "http://127.0.0.1:8080/hook" } } } }),
    ).rejects.toMatchObject({ code: "validation_failed", details: [{ path: "config.url" }] });
  });

  it("are refused in TRACEDECK_PUBLISHERS, with the others saved", async () => {
    const ctx = await createTestProject(database);
    const { saved, problems } = await applyEnvPublishers(
      database.db,
      JSON.stringify([
        { project: ctx.slug, name: "inside", type: "webhook", config: { url: "http://127.0.0.1:9/a" } },
        { project: ctx.slug, name: "outside", type: "webhook", config: { url: "https://hooks.example.invalid/a" } },
      ]),
    );
    expect(saved).toBe(1);
    expect(problems).toEqual([
      "TRACEDECK_PUBLISHERS inside: invalid webhook config: config.url: the target is a private address (127.0.0.1); set TRACEDECK_ALLOW_PRIVATE_TARGETS to allow it",
    ]);
  });
});
