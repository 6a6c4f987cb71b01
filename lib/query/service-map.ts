import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { DAY_NANOS } from "@/db/partitions";
import { RangeParams, rangeSeconds, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { histogramOf, histogramQuantile, sumHistograms } from "@/lib/storage/histogram";
import { planRollup, rawNanos } from "./rollup-plan";
import { listServices } from "./services";

// The service map: services as nodes (their RED), and calls between them as edges. A call is a server or consumer
// span whose parent span belongs to another service, as the service_edges rollup counts them; the edge's rate,
// errors and latency are the called side's. Read from the rollups where the range has them, raw spans elsewhere.

export const ServiceMapQuery = z.object({ ...RangeParams });

/** Edges a map holds at most: the busiest, when a project has more. */
export const MAX_MAP_EDGES = 500;
const HOUR_NANOS = 3_600_000_000_000n;

const Node = z.object({
  name: z.string(),
  span_count: z.number(),
  request_rate: z.number().meta({ description: "server and consumer spans per second" }),
  error_rate: z.number(),
  p95_ms: z.number().nullable(),
});

const Edge = z.object({
  source: z.string().meta({ description: "the calling service" }),
  target: z.string().meta({ description: "the called service" }),
  calls: z.number(),
  call_rate: z.number().meta({ description: "calls per second over the range" }),
  error_rate: z.number(),
  p95_ms: z.number().nullable().meta({ description: "the called side's p95 duration" }),
});

export const ServiceMap = z.object({
  nodes: z.array(Node),
  edges: z.array(Edge),
  truncated: z.boolean().meta({ description: `more than ${MAX_MAP_EDGES} edges: only the busiest are here` }),
});

export async function serviceMap({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof ServiceMapQuery>;
}): Promise<z.output<typeof ServiceMap>> {
  const range = resolveRange(input, ctx.now());
  const plan = await planRollup(ctx, "spans", range);
  const raw = plan ? rawNanos("c.start_time_unix_nano", plan.raw) : sql`true`;
  const [{ services }, edges] = await Promise.all([
    listServices({ ctx, input }),
    queryRows<{ source: string; target: string; calls: number; errors: number; histogram: number[] }>(
      ctx.db,
      sql`with parts as (
          ${
            plan
              ? sql`select parent_service as source, child_service as target, calls::float8 as calls,
                  errors::float8 as errors, histogram::float8[] as h
                from service_edges where project_id = ${ctx.projectId} and ${plan.rollup}
                union all`
              : sql``
          }
          select p.service_name as source, c.service_name as target, count(*)::float8 as calls,
            (count(*) filter (where c.status_code = 'error'))::float8 as errors,
            ${histogramOf(sql`c.duration_nano / 1e6`)}::float8[] as h
          from spans c
          cross join lateral (
            -- the parent started up to a day before its child, or a little after (two hosts' clocks apart)
            select p.service_name from spans p
            where p.project_id = c.project_id and p.trace_id = c.trace_id and p.span_id = c.parent_span_id
              and p.start_time_unix_nano >= ${range.from - DAY_NANOS} and p.start_time_unix_nano <= ${range.to + HOUR_NANOS}
            limit 1
          ) p
          where c.project_id = ${ctx.projectId}
            and c.start_time_unix_nano >= ${range.from} and c.start_time_unix_nano <= ${range.to} and ${raw}
            and c.kind in ('server', 'consumer') and c.parent_span_id is not null and p.service_name <> c.service_name
          group by 1, 2
        )
        select source, target, sum(calls) as calls, sum(errors) as errors, ${sumHistograms(sql`h`)} as histogram
        from parts group by source, target
        order by calls desc, source, target
        limit ${MAX_MAP_EDGES + 1}`,
    ),
  ]);
  const seconds = rangeSeconds(range);
  const kept = edges.slice(0, MAX_MAP_EDGES);
  // a service seen only as a caller or callee in the range's edges still gets its node
  const nodes = new Map(
    services.map((s) => [
      s.name,
      {
        name: s.name,
        span_count: s.span_count,
        request_rate: s.request_rate,
        error_rate: s.error_rate,
        p95_ms: s.p95_ms,
      },
    ]),
  );
  for (const e of kept) {
    for (const name of [e.source, e.target])
      if (!nodes.has(name)) nodes.set(name, { name, span_count: 0, request_rate: 0, error_rate: 0, p95_ms: null });
  }
  return {
    nodes: [...nodes.values()],
    edges: kept.map((e) => ({
      source: e.source,
      target: e.target,
      calls: Number(e.calls),
      call_rate: Number(e.calls) / seconds,
      error_rate: Number(e.calls) ? Number(e.errors) / Number(e.calls) : 0,
      p95_ms: histogramQuantile(e.histogram, 0.95),
    })),
    truncated: edges.length > MAX_MAP_EDGES,
  };
}
