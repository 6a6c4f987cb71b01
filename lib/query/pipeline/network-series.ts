import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import {
  RangeParams,
  SERIES_ROWS_READ,
  StepParam,
  assertSeriesFit,
  buckets,
  resolveRange,
  seriesRows,
} from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { planRollup } from "../rollup-plan";
import { bucketOf, bucketTime, inRange } from "./range";
import { perHostPort, rolledNetwork } from "./rolled";

export const NetworkSeriesQuery = z.object({ host: z.string().optional(), ...StepParam, ...RangeParams });

export const NetworkPoint = z
  .object({
    time: z.string(),
    operations: z.number(),
    errors: z.number(),
    bytes_sent: z.number(),
    bytes_received: z.number(),
    p50_ms: z.number().nullable(),
    p95_ms: z.number().nullable(),
  })
  .meta({ id: "NetworkPoint" });

export const NetworkSeries = z.object({
  step_seconds: z.number(),
  series: z.array(z.object({ host: z.string(), port: z.number(), points: z.array(NetworkPoint) })),
});

/** One host:port's operations in one time bucket (the bucket's index in the range). */
type NetworkBucketRow = Omit<z.output<typeof NetworkPoint>, "time"> & { host: string; port: number; bucket: number };

/** Latency, bytes and errors over time per host:port. */
export async function networkSeries({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof NetworkSeriesQuery>;
}): Promise<z.output<typeof NetworkSeries>> {
  const range = resolveRange(input, ctx.now());
  const b = buckets(range, input.step_seconds);
  const plan = await planRollup(ctx, "network", range, { stepSeconds: b.step });
  const rows = plan
    ? perHostPort(await seriesRows(rolledNetwork(ctx, range, plan, { host: input.host, b, limit: SERIES_ROWS_READ })))
    : await seriesRows(
        queryRows<NetworkBucketRow>(
          ctx.db,
          sql`select host, port, ${bucketOf("start_time", b)} as bucket, count(*)::float8 as operations,
          (count(*) filter (where error is not null))::float8 as errors,
          coalesce(sum(bytes_sent), 0)::float8 as bytes_sent, coalesce(sum(bytes_received), 0)::float8 as bytes_received,
          percentile_cont(0.5) within group (order by latency_ms) as p50_ms, percentile_cont(0.95) within group (order by latency_ms) as p95_ms
        from network_ops
        where project_id = ${ctx.projectId} and ${inRange("start_time", range)} ${input.host ? sql`and host = ${input.host}` : sql``}
        group by host, port, 3
        limit ${SERIES_ROWS_READ}`,
        ),
      );
  const byHost = new Map<string, { host: string; port: number; rows: Map<number, NetworkBucketRow> }>();
  for (const r of rows) {
    const key = `${r.host}:${r.port}`;
    if (!byHost.has(key)) byHost.set(key, { host: r.host, port: r.port, rows: new Map() });
    byHost.get(key)!.rows.set(r.bucket, r);
  }
  assertSeriesFit(byHost.size, b);
  return {
    step_seconds: b.step,
    series: [...byHost.values()]
      .sort((x, y) => x.host.localeCompare(y.host) || x.port - y.port)
      .map(({ host, port, rows: found }) => ({
        host,
        port,
        points: Array.from({ length: b.count }, (_, bucket) => {
          const r = found.get(bucket);
          return {
            time: bucketTime(b, bucket),
            operations: r?.operations ?? 0,
            errors: r?.errors ?? 0,
            bytes_sent: r?.bytes_sent ?? 0,
            bytes_received: r?.bytes_received ?? 0,
            p50_ms: r?.p50_ms ?? null,
            p95_ms: r?.p95_ms ?? null,
          };
        }),
      })),
  };
}
