import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { DurationParam, PageParams, RangeParams, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { keyset } from "../keyset";
import { eventsPage, PipelineEventsResult, type EventRow } from "./events";
import { tasksInRange } from "./range";

export const SlowQuery = z.object({
  threshold_seconds: DurationParam("s").default(1),
  event_name: z.string().optional(),
  ...RangeParams,
  ...PageParams,
});

/** Events that took longer than the threshold, slowest first. */
export async function listSlowEvents({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof SlowQuery>;
}): Promise<z.output<typeof PipelineEventsResult>> {
  const range = resolveRange(input, ctx.now());
  const where: SQL[] = [
    sql`project_id = ${ctx.projectId}`,
    tasksInRange(range),
    sql`duration_ms > ${input.threshold_seconds * 1000}`,
  ];
  if (input.event_name) where.push(sql`event_name = ${input.event_name}`);
  const paging = keyset<EventRow>(input, [
    // every row has a duration: the threshold leaves out the pending ones
    { key: sql`duration_ms`, type: "float8", of: (r) => r.duration_ms ?? 0 },
    { key: sql`task_id`, type: "text", of: (r) => r.task_id },
  ]);
  return eventsPage(ctx, where, paging, input.threshold_seconds);
}
