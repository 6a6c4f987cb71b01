import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db";
import { createTestProject, openTestDatabase } from "@/db/testing";
import type { Database } from "@/db/testing/tables";
import { MAX_SERIES_POINTS } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { ingestNetworkOps, ingestSpans } from "@/lib/ingest/native";
import { ingestPublisherStatus } from "@/lib/publishers/manage";
import { NetworkSeriesQuery, networkSeries } from "./pipeline";
import { publisherSeries, PublisherSeriesQuery } from "./publishers";
import { serviceSeries, ServiceSeriesQuery } from "./services";

// Series answers hold every bucket of every series, built in memory: the series are bounded with the buckets, and
// an answer too large is a 422 that names the limit, before it is built.

let database: Database;
let ctx: Ctx;
/** twelve of each: 12 series of six days at one-minute steps (8,641 buckets) hold more than the limit */
const SERIES = 12;
const nowMs = Date.now();
const secondsAgo = (s: number) => new Date(nowMs - s * 1000).toISOString();

beforeAll(async () => {
  database = await openTestDatabase();
  ctx = await createTestProject(database);
  const names = Array.from({ length: SERIES }, (_, i) => `s${i}`);
  await ingestSpans({
    ctx,
    input: {
      spans: names.map((service) => ({
        name: "GET /",
        service_name: service,
        kind: "server",
        start_time: secondsAgo(60),
        duration_ms: 5,
      })),
    },
  });
  await ingestNetworkOps({
    ctx,
    input: names.map((host, i) => ({
      task_id: `t${i}`,
      host,
      port: 443,
      start_time: secondsAgo(60),
      end_time: secondsAgo(59.9),
    })),
  });
  await ingestPublisherStatus({
    ctx,
    input: names.map((name) => ({
      name,
      type: "prometheus",
      target: "localhost:9464",
      state: "healthy",
      sent_count: 1,
    })),
  });
});
afterAll(async () => {
  await database.close();
});

const days = { from: "now-6d", step_seconds: "60" };
const daysByHour = { from: "now-6d", step_seconds: "3600" };
const tooLarge = {
  code: "unprocessable",
  message: expect.stringMatching(
    new RegExp(`${SERIES} series of 8,64\\d buckets .* ${MAX_SERIES_POINTS.toLocaleString("en")} points`),
  ),
  details: [{ path: "step_seconds" }],
};

describe("series answers", () => {
  it("are refused with a 422 naming the limit when their series hold too many points", async () => {
    expect(SERIES * 8_641).toBeGreaterThan(MAX_SERIES_POINTS);
    await expect(serviceSeries({ ctx, input: ServiceSeriesQuery.parse(days) })).rejects.toMatchObject(tooLarge);
    await expect(networkSeries({ ctx, input: NetworkSeriesQuery.parse(days) })).rejects.toMatchObject(tooLarge);
    await expect(publisherSeries({ ctx, input: PublisherSeriesQuery.parse(days) })).rejects.toMatchObject(tooLarge);
  });

  it("answer the same series at a step that fits", async () => {
    expect((await serviceSeries({ ctx, input: ServiceSeriesQuery.parse(daysByHour) })).series).toHaveLength(SERIES);
    expect((await networkSeries({ ctx, input: NetworkSeriesQuery.parse(daysByHour) })).series).toHaveLength(SERIES);
    expect(
      (await publisherSeries({ ctx, input: PublisherSeriesQuery.parse(daysByHour) })).publishers.length,
    ).toBeGreaterThanOrEqual(SERIES);
    // one series of the six days at a minute fits
    const one = await networkSeries({ ctx, input: NetworkSeriesQuery.parse({ ...days, host: "s0" }) });
    expect(one.series).toHaveLength(1);
  });

  it("stop reading at the limit's worth of rows, so an answer too large never takes the memory of one", async () => {
    // a publisher reporting every few seconds for six days, in 12 publishers: 100,008 one-minute buckets with data
    const ids = await queryRows<{ id: string }>(
      database.db,
      sql`select p.id from publishers p where p.project_id = ${ctx.projectId} order by p.name`,
    );
    expect(ids).toHaveLength(SERIES);
    await database.db.execute(sql`insert into publisher_samples (publisher_id, time, sent_count, failed_count, backlog)
      select p.id, now() - make_interval(mins => m), m, 0, 1
      from unnest(${sql.raw(`array[${ids.map((r) => `'${r.id}'::uuid`).join(",")}]`)}) as p(id),
        generate_series(1, 8334) as m`);
    await expect(publisherSeries({ ctx, input: PublisherSeriesQuery.parse(days) })).rejects.toMatchObject({
      code: "unprocessable",
      message: expect.stringMatching(/more than 100,000 buckets with data .* 100,000 points an answer may hold/),
    });
  });
});
