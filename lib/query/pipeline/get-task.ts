import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import type { Ctx } from "@/lib/auth/context";
import { ApiError } from "@/lib/errors";
import {
  eventColumns,
  eventView,
  isStuck,
  STUCK_THRESHOLD_SECONDS,
  StuckThreshold,
  type EventRow,
  type PipelineEventView,
} from "./events";

export const TaskParams = z.object({ task_id: z.string().min(1) });
export const TaskQuery = z.object({ threshold_seconds: StuckThreshold });

export async function getTask({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof TaskParams> & Partial<z.output<typeof TaskQuery>>;
}): Promise<z.output<typeof PipelineEventView>> {
  const stuck = isStuck(ctx, input.threshold_seconds ?? STUCK_THRESHOLD_SECONDS);
  const [row] = await queryRows<EventRow>(
    ctx.db,
    sql`select ${eventColumns(stuck)} from pipeline_events where project_id = ${ctx.projectId} and task_id = ${input.task_id}`,
  );
  if (!row) throw new ApiError("not_found", `no task ${input.task_id}`);
  return eventView(row);
}
