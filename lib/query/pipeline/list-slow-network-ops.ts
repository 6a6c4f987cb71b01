import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { DurationParam, PageParams, RangeParams, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { keyset } from "../keyset";
import { networkPage, type NetworkResult, type NetworkRow } from "./network";
import { inRange } from "./range";

export const SlowNetworkQuery = z.object({
  threshold_seconds: DurationParam("s").default(1),
  ...RangeParams,
  ...PageParams,
});

export async function listSlowNetworkOps({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof SlowNetworkQuery>;
}): Promise<z.output<typeof NetworkResult>> {
  const range = resolveRange(input, ctx.now());
  const where: SQL[] = [
    sql`project_id = ${ctx.projectId}`,
    inRange("start_time", range),
    sql`latency_ms > ${input.threshold_seconds * 1000}`,
  ];
  const paging = keyset<NetworkRow>(input, [
    // every row has a latency: the threshold leaves out the open ones
    { key: sql`latency_ms`, type: "float8", of: (r) => r.latency_ms ?? 0 },
    { key: sql`id::text`, type: "text", of: (r) => r.id },
  ]);
  return networkPage(ctx, where, paging);
}
