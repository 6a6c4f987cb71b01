import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { BoolParam, PageParams, RangeParams, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { keyset } from "../keyset";
import { networkPage, NetworkResult, type NetworkRow } from "./network";
import { inRange } from "./range";

export const NetworkQuery = z.object({
  failed: BoolParam.optional().meta({ description: "true: only operations that failed" }),
  host: z.string().optional(),
  task_id: z.string().optional().meta({ description: "the operations of one task" }),
  ...RangeParams,
  ...PageParams,
});

export async function listNetworkOps({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof NetworkQuery>;
}): Promise<z.output<typeof NetworkResult>> {
  const range = resolveRange(input, ctx.now());
  const where: SQL[] = [sql`project_id = ${ctx.projectId}`, inRange("start_time", range)];
  if (input.failed === true) where.push(sql`error is not null`);
  if (input.failed === false) where.push(sql`error is null`);
  if (input.host) where.push(sql`host = ${input.host}`);
  if (input.task_id) where.push(sql`task_id = ${input.task_id}`);
  const paging = keyset<NetworkRow>(input, [
    {
      key: sql`extract(epoch from start_time)::float8 * 1e6`,
      // qualified: the bare name would sort by the answer's formatted start_time
      order: sql`network_ops.start_time`,
      type: "float8",
      of: (r) => r.start_us,
    },
    { key: sql`id::text`, type: "text", of: (r) => r.id },
  ]);
  return networkPage(ctx, where, paging);
}
