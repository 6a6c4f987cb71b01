import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db";
import { createTestProject, openTestDatabase, uniqueName } from "@/db/testing";
import type { Database } from "@/db/testing/tables";
import type { Ctx } from "@/lib/auth/context";
import { listPublishers, publisherSeries, PublisherSeriesQuery } from "@/lib/query/publishers";
import { createPublisher, ingestPublisherStatus, mergeSecrets, redactConfig, updatePublisher } from "./manage";
import { openSecrets } from "./secrets";

let database: Database;
let ctx: Ctx;
let other: Ctx;
beforeAll(async () => {
  database = await openTestDatabase();
  ctx = await createTestProject(database);
  other = await createTestProject(database);
});
afterAll(async () => {
  await database.close();
});

const at = (ctxOf: Ctx, iso: string): Ctx => ({ ...ctxOf, now: () => new Date(iso) });

describe("server-side publishers", () => {
  it("are added, renamed, reconfigured and disabled, and never give their credentials back", async () => {
    const name = uniqueName("es");
    const { id } = await createPublisher({
      ctx,
      input: { name, type: "elasticsearch", config: { url: "http://es:9200", api_key: "k-123", index_prefix: "td" } },
    });
    await expect(
      createPublisher({ ctx, input: { name, type: "elasticsearch", config: { url: "http://es2:9200" } } }),
    ).rejects.toMatchObject({ code: "unprocessable" });
    await expect(createPublisher({ ctx, input: { name: "x", type: "carrier-pigeon" } })).rejects.toThrow();

    let [listed] = (await listPublishers({ ctx })).publishers.filter((p) => p.id === id);
    expect(listed).toMatchObject({
      name,
      origin: "server",
      enabled: true,
      target: "http://es:9200",
      state: null,
      config: { api_key: "••••••", index_prefix: "td" },
    });

    // the editor sends the redacted value back: the stored key stays
    await updatePublisher({
      ctx,
      input: {
        id,
        body: {
          name: `${name}-2`,
          enabled: false,
          config: { url: "http://es2:9200", api_key: "••••••", index_prefix: "td2" },
        },
      },
    });
    [listed] = (await listPublishers({ ctx })).publishers.filter((p) => p.id === id);
    expect(listed).toMatchObject({
      name: `${name}-2`,
      enabled: false,
      target: "http://es2:9200",
      config: { index_prefix: "td2" },
    });
    const [stored] = await queryRows<{ config: Record<string, unknown> }>(
      database.db,
      sql`select config from publishers where id = ${id}`,
    );
    // stored sealed, for this publisher: it opens to what was saved
    expect(stored!.config.api_key).toMatch(/^enc:v1:/);
    expect(openSecrets(stored!.config, { projectId: ctx.projectId, publisherId: id }).api_key).toBe("k-123");

    await expect(updatePublisher({ ctx, input: { id, body: {} } })).rejects.toThrow();
    await expect(updatePublisher({ ctx: other, input: { id, body: { enabled: true } } })).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("redacts every credential-like key and keeps stored ones an edit leaves out", () => {
    expect(
      redactConfig({ password: "p", token: "t", instance_id: "123", apiKey: "a", url: "u", empty_secret: "" }),
    ).toEqual({
      password: "••••••",
      token: "••••••",
      instance_id: "123",
      apiKey: "••••••",
      url: "u",
      empty_secret: "",
    });
    expect(mergeSecrets({ password: "p", url: "old" }, { url: "new" })).toEqual({ url: "new", password: "p" });
    expect(mergeSecrets({ password: "p" }, { password: "changed" })).toEqual({ password: "changed" });
  });
});

describe("SDK publishers' status reports", () => {
  it("upsert the publisher and its status, keep samples, and reject bad items alone", async () => {
    const name = uniqueName("prometheus");
    const report = (sent: number, failed: number, extra: Record<string, unknown> = {}) => ({
      name,
      type: "prometheus",
      target: "localhost:9464",
      state: "healthy",
      sent_count: sent,
      failed_count: failed,
      backlog: 2,
      ...extra,
    });
    expect(
      await ingestPublisherStatus({
        ctx: at(ctx, "2026-11-22T10:00:10Z"),
        input: { publishers: [report(10, 0), { name: "bad", state: "on fire" }] },
      }),
    ).toMatchObject({
      accepted: 1,
      rejected: 1,
      errors: [{ index: 1, message: expect.stringContaining("state") }],
    });
    await ingestPublisherStatus({
      ctx: at(ctx, "2026-11-22T10:01:10Z"),
      input: [
        report(25, 1, { state: "degraded", last_error: "scrape timeout", last_error_at: "2026-11-22T10:01:00Z" }),
      ],
    });
    // the exporter restarted: its counters begin again
    await ingestPublisherStatus({ ctx: at(ctx, "2026-11-22T10:02:10Z"), input: [report(4, 0, { state: "failing" })] });

    const [listed] = (await listPublishers({ ctx })).publishers.filter((p) => p.name === name);
    expect(listed).toMatchObject({
      origin: "sdk",
      type: "prometheus",
      target: "localhost:9464",
      state: "failing",
      sent_count: 4,
      last_error: "scrape timeout",
    });
    expect((await listPublishers({ ctx })).publishers.filter((p) => p.name === "bad")).toEqual([]);

    // a target reported with user-info keeps none of it
    const leaky = uniqueName("es");
    await ingestPublisherStatus({
      ctx: at(ctx, "2026-11-22T10:02:20Z"),
      input: [
        { name: leaky, type: "elasticsearch", target: "https://elastic:changeme@es.example:9200/", state: "healthy" },
      ],
    });
    const [shown] = (await listPublishers({ ctx })).publishers.filter((p) => p.name === leaky);
    expect(shown).toMatchObject({ target: "https://es.example:9200/" });
    const [stored] = await queryRows<{ config: string }>(
      database.db,
      sql`select config::text as config from publishers where name = ${leaky}`,
    );
    expect(stored!.config).not.toContain("changeme");
    await expect(updatePublisher({ ctx, input: { id: listed!.id, body: { enabled: false } } })).rejects.toMatchObject({
      code: "unprocessable",
    });

    const series = await publisherSeries({
      ctx: at(ctx, "2026-11-22T10:05:00Z"),
      input: PublisherSeriesQuery.parse({
        from: "2026-11-22T10:00:00Z",
        to: "2026-11-22T10:05:00Z",
        step_seconds: "60",
      }),
    });
    const points = series.publishers.find((p) => p.id === listed!.id)!.points;
    expect(points.map((p) => [p.time.slice(11, 16), p.sent, p.failed, p.backlog])).toEqual([
      ["10:00", 0, 0, 2],
      ["10:01", 15, 1, 2],
      ["10:02", 4, 0, 2],
      ["10:03", 0, 0, null],
      ["10:04", 0, 0, null],
      ["10:05", 0, 0, null],
    ]);
    expect((await publisherSeries({ ctx: other, input: PublisherSeriesQuery.parse({}) })).publishers).toEqual([]);
  });
});
