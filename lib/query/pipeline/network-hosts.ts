import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { RangeParams, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { planRollup } from "../rollup-plan";
import { inRange } from "./range";
import { perHostPort, rolledNetwork } from "./rolled";

export const HostsQuery = z.object({ ...RangeParams });
export const HostStats = z
  .object({
    host: z.string(),
    port: z.number(),
    operations: z.number(),
    errors: z.number(),
    bytes_sent: z.number(),
    bytes_received: z.number(),
    p50_ms: z.number().nullable(),
    p95_ms: z.number().nullable(),
  })
  .meta({ id: "HostStats" });
export const HostsResult = z.object({ hosts: z.array(HostStats) });

export async function networkHosts({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof HostsQuery>;
}): Promise<z.output<typeof HostsResult>> {
  const range = resolveRange(input, ctx.now());
  const plan = await planRollup(ctx, "network", range);
  if (plan) {
    // one bucket: the whole range
    const hosts = perHostPort(await rolledNetwork(ctx, range, plan, {})).map((h) => ({
      host: h.host,
      port: h.port,
      operations: h.operations,
      errors: h.errors,
      bytes_sent: h.bytes_sent,
      bytes_received: h.bytes_received,
      p50_ms: h.p50_ms,
      p95_ms: h.p95_ms,
    }));
    hosts.sort((a, b) => b.operations - a.operations || a.host.localeCompare(b.host) || a.port - b.port);
    return { hosts };
  }
  // the columns are the answer's fields
  const hosts = await queryRows<z.output<typeof HostStats>>(
    ctx.db,
    sql`select host, port, count(*)::float8 as operations, (count(*) filter (where error is not null))::float8 as errors,
          coalesce(sum(bytes_sent), 0)::float8 as bytes_sent, coalesce(sum(bytes_received), 0)::float8 as bytes_received,
          percentile_cont(0.5) within group (order by latency_ms) as p50_ms,
          percentile_cont(0.95) within group (order by latency_ms) as p95_ms
        from network_ops
        where project_id = ${ctx.projectId} and ${inRange("start_time", range)}
        group by host, port
        order by count(*) desc, host, port`,
  );
  return { hosts };
}
