import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type Database } from "@/db";
import { createPartitions, dayOfMs, daysBetween, PARTITIONED_TABLES, type PartitionedTable } from "@/db/partitions";
import { createTestProject, openTestDatabase } from "@/db/testing";
import type { Ctx } from "@/lib/auth/context";
import { searchTraces, TraceSearchQuery } from "@/lib/query/traces";
import { chunksOf, DAY_MS, dayWindows, insertOf, LOADERS, RARE_ATTRIBUTE, traceIdOf, volumeAt } from "./scale-data";

// The loaders against the real schema: what they write agrees with itself and with what the queries read.

// one day before a clock at midday (two windows), so the test writes a day of metric points, not a week
const CLOCK = Date.UTC(2026, 0, 15, 12, 0);
const WINDOWS = dayWindows(CLOCK - DAY_MS, CLOCK);

let database: Database;
let ctx: Ctx;

async function grow(from: number, to: number): Promise<void> {
  for (const loader of LOADERS)
    for (const chunk of chunksOf(loader, loader.entities(volumeAt(from)), loader.entities(volumeAt(to)), WINDOWS))
      await ctx.db.execute(sql.raw(insertOf(loader, ctx.projectId, chunk)));
}

const countOf = async (table: string) => {
  const [row] = await queryRows<{ n: number }>(
    ctx.db,
    sql`select count(*)::float8 as n from ${sql.identifier(table)} where project_id = ${ctx.projectId}`,
  );
  return row!.n;
};

beforeAll(async () => {
  database = await openTestDatabase();
  ctx = { ...(await createTestProject(database)), now: () => new Date(CLOCK) };
  await createPartitions(
    database.db,
    Object.keys(PARTITIONED_TABLES) as PartitionedTable[],
    daysBetween(dayOfMs(CLOCK - 2 * DAY_MS), dayOfMs(CLOCK + DAY_MS)),
  );
  // grown in two steps, as the benchmark grows its database
  await grow(0, 1_000);
  await grow(1_000, 3_000);
}, 120_000);
afterAll(() => database.close());

describe("the scale benchmark's data", () => {
  it("holds each signal in the proportions of its volume", async () => {
    const volume = volumeAt(3_000);
    expect(await countOf("traces")).toBe(volume.traces);
    const spans = await countOf("spans");
    expect(spans).toBeGreaterThan(2_500);
    expect(spans).toBeLessThan(3_500);
    expect(await countOf("logs")).toBe(spans);
    expect(await countOf("events")).toBe(volume.events);
    expect(await countOf("pipeline_events")).toBe(volume.tasks);
    expect(await countOf("network_ops")).toBe(volume.networkOps);
    expect(await countOf("metric_series")).toBe(volume.metricSeries);
    expect(await countOf("metric_points")).toBe(volume.metricSeries * 8_640);
  });

  it("keeps every trace summary as the writer would from its spans, and every span's parent in its trace", async () => {
    const [row] = await queryRows<{ mismatched: number; orphans: number }>(
      ctx.db,
      sql`select
        (select count(*)::float8 from traces t join (
          select trace_id, min(start_time_unix_nano) as start_ns, max(end_time_unix_nano) as end_ns, count(*)::int as n,
            (count(*) filter (where status_code = 'error'))::int as errors,
            (array_agg(service_name) filter (where parent_span_id is null))[1] as root_service,
            (array_agg(name) filter (where parent_span_id is null))[1] as root_name,
            array_agg(distinct service_name order by service_name) as services
          from spans where project_id = ${ctx.projectId} group by trace_id) s using (trace_id)
        where t.project_id = ${ctx.projectId}
          and (t.start_time_unix_nano, t.end_time_unix_nano, t.span_count, t.error_count, t.root_service_name, t.root_name, t.services)
            is distinct from (s.start_ns, s.end_ns, s.n, s.errors, s.root_service, s.root_name, s.services)) as mismatched,
        (select count(*)::float8 from spans c left join spans p on p.project_id = c.project_id
          and p.trace_id = c.trace_id and p.span_id = c.parent_span_id
        where c.project_id = ${ctx.projectId} and c.parent_span_id is not null and p.span_id is null) as orphans`,
    );
    expect(row).toEqual({ mismatched: 0, orphans: 0 });
  });

  it("names traces so that the benchmark can ask for any of them, and places them in the day before the clock", async () => {
    const ids = [0, 199, 299].map(traceIdOf);
    const [row] = await queryRows<{ found: number }>(
      ctx.db,
      sql`select count(*)::float8 as found from traces where project_id = ${ctx.projectId} and trace_id in (${sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
    expect(row!.found).toBe(3);
    const [span] = await queryRows<{ earliest: string; latest: string }>(
      ctx.db,
      sql`select min(start_time_unix_nano)::text as earliest, max(start_time_unix_nano)::text as latest
        from traces where project_id = ${ctx.projectId}`,
    );
    expect(BigInt(span!.earliest)).toBeGreaterThanOrEqual(BigInt(CLOCK - DAY_MS) * 1_000_000n);
    expect(BigInt(span!.latest)).toBeLessThan(BigInt(CLOCK) * 1_000_000n);
  });

  it("puts the rare attribute on few traces, which an attribute search finds", async () => {
    const values = await queryRows<{ value: string; traces: number }>(
      ctx.db,
      sql`select attributes ->> ${RARE_ATTRIBUTE} as value, count(distinct trace_id)::float8 as traces from spans
        where project_id = ${ctx.projectId} and attributes ? ${RARE_ATTRIBUTE} group by 1`,
    );
    expect(values.length).toBeGreaterThan(0);
    expect(values.length).toBeLessThan(volumeAt(3_000).traces / 20);
    const { value, traces } = values[0]!;
    const found = await searchTraces({
      ctx,
      input: TraceSearchQuery.parse({
        attr: `${RARE_ATTRIBUTE}:${value}`,
        from: String(CLOCK - DAY_MS),
        to: String(CLOCK),
      }),
    });
    expect(found.traces).toHaveLength(traces);
  });
});
