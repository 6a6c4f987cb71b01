import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { PageParams, RangeParams, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { keyset } from "../keyset";
import { containsPattern } from "../sql";
import { eventsPage, PipelineEventsResult, StuckThreshold, type EventRow } from "./events";
import { tasksInRange } from "./range";

export const PipelineEventsQuery = z.object({
  status: z.enum(["pending", "completed", "failed"]).optional(),
  event_name: z.string().optional(),
  error: z.string().optional().meta({ description: "text the error contains (case-insensitive)" }),
  threshold_seconds: StuckThreshold,
  ...RangeParams,
  ...PageParams,
});

/** Task executions started in the range, newest first (`status=failed` for failed events). */
export async function listPipelineEvents({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof PipelineEventsQuery>;
}): Promise<z.output<typeof PipelineEventsResult>> {
  const range = resolveRange(input, ctx.now());
  const where: SQL[] = [sql`project_id = ${ctx.projectId}`, tasksInRange(range)];
  if (input.status) where.push(sql`status = ${input.status}`);
  if (input.event_name) where.push(sql`event_name = ${input.event_name}`);
  if (input.error) where.push(sql`error ilike ${containsPattern(input.error)}`);
  const paging = keyset<EventRow>(input, [
    {
      key: sql`extract(epoch from start_time)::float8 * 1e6`,
      // qualified: the bare name would sort by the answer's formatted start_time
      order: sql`pipeline_events.start_time`,
      type: "float8",
      of: (r) => r.start_us,
    },
    { key: sql`task_id`, type: "text", of: (r) => r.task_id },
  ]);
  return eventsPage(ctx, where, paging, input.threshold_seconds);
}
