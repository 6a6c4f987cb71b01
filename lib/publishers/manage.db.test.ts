import { and, asc, eq, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db";
import { sqlState } from "@/db/errors";
import { createTestProject, openTestDatabase, testDriver, uniqueName } from "@/db/testing";
import { publisherSamples, publishers, publisherStatus, type Database } from "@/db/testing/tables";
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

describe("a batch of SDK status reports", () => {
  /** The SDK publishers whose names begin with the prefix: publisher, status and samples, by name. */
  async function stored(prefix: string) {
    const rows = await database.db
      .select({
        name: publishers.name,
        type: publishers.type,
        config: publishers.config,
        status: publisherStatus,
      })
      .from(publishers)
      .innerJoin(publisherStatus, eq(publisherStatus.publisherId, publishers.id))
      .where(and(eq(publishers.projectId, ctx.projectId), like(publishers.name, `${prefix}-%`)))
      .orderBy(asc(publishers.name));
    const samples = await database.db
      .select({ name: publishers.name, sample: publisherSamples })
      .from(publisherSamples)
      .innerJoin(publishers, eq(publishers.id, publisherSamples.publisherId))
      .where(and(eq(publishers.projectId, ctx.projectId), like(publishers.name, `${prefix}-%`)))
      .orderBy(asc(publishers.name), asc(publisherSamples.time));
    return { rows, samples };
  }

  it("stores 500 reports exactly, their statuses and their samples, and keeps what a later batch leaves out", async () => {
    const prefix = uniqueName("fleet");
    const name = (i: number) => `${prefix}-${String(i).padStart(3, "0")}`;
    const types = ["elasticsearch", "prometheus", "grafana_cloud", "webhook", "other"] as const;
    const states = ["healthy", "degraded", "failing", "disabled"] as const;
    const first = Array.from({ length: 500 }, (_, i) => ({
      name: name(i),
      type: types[i % types.length],
      ...(i % 3 === 0 ? {} : { target: `https://user-${i}:secret-${i}@sink-${i}.example:9200/path` }),
      state: states[i % states.length],
      ...(i % 2 === 0 ? { last_success_at: `2026-11-22T09:${String(i % 60).padStart(2, "0")}:00.123Z` } : {}),
      ...(i % 5 === 0
        ? { last_error: `POST https://user:pw-${i}@sink-${i}.example/bulk failed`, last_error_at: 1795338000 + i }
        : {}),
      sent_count: i === 7 ? Number.MAX_SAFE_INTEGER : i * 1000,
      failed_count: i,
      dropped_count: i % 4,
      backlog: i === 9 ? 2_147_483_647 : i * 2,
    }));
    expect(await ingestPublisherStatus({ ctx: at(ctx, "2026-11-22T10:00:00Z"), input: { publishers: first } })).toEqual(
      { accepted: 500, rejected: 0, errors: [] },
    );
    // user-info of the target and of the URL in an error is dropped
    const publisherOf = (report: (typeof first)[number], i: number) => ({
      name: report.name,
      type: report.type,
      config: report.target ? { target: `https://sink-${i}.example:9200/path` } : {},
    });
    const afterFirst = await stored(prefix);
    expect(afterFirst.rows).toEqual(
      first.map((report, i) => ({
        ...publisherOf(report, i),
        status: {
          publisherId: expect.any(String),
          state: report.state,
          lastSuccessAt: report.last_success_at ? new Date(report.last_success_at) : null,
          lastError: report.last_error ? `POST https://sink-${i}.example/bulk failed` : null,
          lastErrorAt: report.last_error_at ? new Date(report.last_error_at * 1000) : null,
          sentCount: report.sent_count,
          failedCount: report.failed_count,
          droppedCount: report.dropped_count,
          backlog: report.backlog,
          updatedAt: new Date("2026-11-22T10:00:00Z"),
        },
      })),
    );
    expect(afterFirst.samples).toEqual(
      first.map((report) => ({
        name: report.name,
        sample: {
          publisherId: expect.any(String),
          time: new Date("2026-11-22T10:00:00Z"),
          sentCount: report.sent_count,
          failedCount: report.failed_count,
          droppedCount: report.dropped_count,
          backlog: report.backlog,
        },
      })),
    );

    // the same publishers again: the last success and the last error are brought by a few alone
    const second = first.map((report, i) => ({
      name: report.name,
      type: report.type,
      ...(report.target ? { target: report.target } : {}),
      state: states[(i + 1) % states.length],
      ...(i % 50 === 0 ? { last_error: `timeout ${i}`, last_error_at: "2026-11-22T10:00:30Z" } : {}),
      sent_count: i * 1000 + 17,
      failed_count: i + 1,
      dropped_count: 0,
      backlog: 0,
    }));
    expect(await ingestPublisherStatus({ ctx: at(ctx, "2026-11-22T10:01:00Z"), input: second })).toEqual({
      accepted: 500,
      rejected: 0,
      errors: [],
    });

    const { rows, samples } = await stored(prefix);
    expect(rows).toEqual(
      first.map((report, i) => {
        const later = second[i]!;
        return {
          ...publisherOf(report, i),
          status: {
            publisherId: expect.any(String),
            state: later.state,
            lastSuccessAt: report.last_success_at ? new Date(report.last_success_at) : null,
            lastError: later.last_error ?? (report.last_error ? `POST https://sink-${i}.example/bulk failed` : null),
            lastErrorAt: later.last_error_at
              ? new Date(later.last_error_at)
              : report.last_error_at
                ? new Date(report.last_error_at * 1000)
                : null,
            sentCount: later.sent_count,
            failedCount: later.failed_count,
            droppedCount: 0,
            backlog: 0,
            updatedAt: new Date("2026-11-22T10:01:00Z"),
          },
        };
      }),
    );
    expect(JSON.stringify(rows)).not.toMatch(/secret-|pw-/);
    expect(samples.map(({ name, sample }) => [name, sample.time.toISOString(), sample.sentCount])).toEqual(
      first.flatMap((report, i) => [
        [report.name, "2026-11-22T10:00:00.000Z", report.sent_count],
        [report.name, "2026-11-22T10:01:00.000Z", second[i]!.sent_count],
      ]),
    );
  });

  // PGlite has one connection: its statements run one after the other and never wait on each other
  it.skipIf(testDriver === "pglite")(
    "takes concurrent batches of the same publishers, in orders of their own, without a deadlock",
    async () => {
      const prefix = uniqueName("busy");
      const names = Array.from({ length: 200 }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
      // in name order, the other way round, and from the middle
      const orders = [names, names.toReversed(), [...names.slice(100), ...names.slice(0, 100)]];
      const batch = (n: number) => orders[n]!.map((name) => ({ name, state: "healthy", sent_count: n }));
      await ingestPublisherStatus({ ctx, input: names.map((name) => ({ name, state: "healthy" })) });
      // while one publisher is held, each batch takes the rows it can: in an order of each batch's own, every batch
      // would hold some that another one waits for when the held one is let go
      const held = names[150]!;
      const { batches } = await database.db.transaction(async (tx) => {
        await tx.execute(
          sql`select 1 from publishers where project_id = ${ctx.projectId} and name = ${held} for update`,
        );
        const batches = Promise.allSettled([0, 1, 2].map((n) => ingestPublisherStatus({ ctx, input: batch(n) })));
        await new Promise((resolve) => setTimeout(resolve, 500));
        return { batches };
      });
      const results = await batches;
      expect(
        results.map((r) => (r.status === "fulfilled" ? r.value.accepted : `SQLSTATE ${sqlState(r.reason)}`)),
      ).toEqual([200, 200, 200]);
      const { rows, samples } = await stored(prefix);
      expect(rows.map((r) => r.name)).toEqual(names);
      expect(samples).toHaveLength(800);
    },
  );

  it("takes a publisher named twice as if its reports had come one after the other, with one sample: the later one's", async () => {
    const prefix = uniqueName("twice");
    const [a, b] = [`${prefix}-a`, `${prefix}-b`];
    const result = await ingestPublisherStatus({
      ctx: at(ctx, "2026-11-22T11:00:00Z"),
      input: [
        {
          name: a,
          type: "webhook",
          target: "https://old.example/hook",
          state: "failing",
          last_error: "refused",
          last_error_at: "2026-11-22T10:59:00Z",
          last_success_at: "2026-11-22T10:58:00Z",
          sent_count: 5,
          failed_count: 3,
          backlog: 40,
        },
        { name: b, state: "healthy", sent_count: 1 },
        { name: a, state: "on fire", sent_count: 999 },
        // the later report: no error of its own, so the earlier one's stays known
        { name: ` ${a} `, type: "elasticsearch", state: "healthy", sent_count: 9, failed_count: 3, backlog: 1 },
        { name: b, state: "degraded", sent_count: 2, last_error: "slow" },
      ],
    });
    expect(result).toMatchObject({ accepted: 4, rejected: 1, errors: [{ index: 2 }] });

    const { rows, samples } = await stored(prefix);
    expect(rows).toEqual([
      {
        name: a,
        type: "elasticsearch",
        config: {},
        status: expect.objectContaining({
          state: "healthy",
          lastError: "refused",
          lastErrorAt: new Date("2026-11-22T10:59:00Z"),
          lastSuccessAt: new Date("2026-11-22T10:58:00Z"),
          sentCount: 9,
          failedCount: 3,
          backlog: 1,
        }),
      },
      {
        name: b,
        type: "other",
        config: {},
        status: expect.objectContaining({ state: "degraded", lastError: "slow", sentCount: 2 }),
      },
    ]);
    expect(samples.map(({ name, sample }) => [name, sample.sentCount, sample.backlog])).toEqual([
      [a, 9, 1],
      [b, 2, 0],
    ]);
  });
});
