import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { DurationParam } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { dateToNanos } from "@/lib/model/time";
import type { Keyset } from "../keyset";
import { isoTime, nanosToTimestamp } from "../sql";

export const PipelineEventView = z
  .object({
    task_id: z.string(),
    event_name: z.string(),
    status: z.enum(["pending", "completed", "failed"]),
    stuck: z.boolean().meta({ description: "pending longer than threshold_seconds" }),
    start_time: z.string(),
    end_time: z.string().nullable(),
    duration_ms: z.number().nullable(),
    error: z.string().nullable(),
    retry_count: z.number(),
    process_id: z.number().nullable(),
    attributes: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "PipelineEvent" });

export const PipelineEventsResult = z.object({
  events: z.array(PipelineEventView),
  next_cursor: z.string().nullable(),
});

/** threshold_seconds by default: the Events page's slow threshold, which also says when a pending task is stuck. */
export const STUCK_THRESHOLD_SECONDS = 1;

export const StuckThreshold = DurationParam("s")
  .default(STUCK_THRESHOLD_SECONDS)
  .meta({ description: "pending tasks running longer than this are stuck" });

/** Pending and started more than `thresholdSeconds` before the request's clock says it is now. */
export function isStuck(ctx: Ctx, thresholdSeconds: number): SQL {
  const startedBefore = dateToNanos(ctx.now()) - BigInt(Math.round(thresholdSeconds * 1e9));
  return sql`(status = 'pending' and start_time < ${nanosToTimestamp(startedBefore)})`;
}

/** The columns of a pipeline event's view; `stuck` decides its stuck flag. */
export const eventColumns = (stuck: SQL) => sql`task_id, event_name, status, ${stuck} as stuck,
  ${isoTime(sql`start_time`)} as start_time, ${isoTime(sql`end_time`)} as end_time, duration_ms, error, retry_count,
  process_id, attributes, extract(epoch from start_time)::float8 * 1e6 as start_us`;

/** What `eventColumns` reads: the answer's fields, and the start in µs for cursors. */
export type EventRow = z.output<typeof PipelineEventView> & { start_us: number };

export const eventView = (r: EventRow): z.output<typeof PipelineEventView> => ({
  task_id: r.task_id,
  event_name: r.event_name,
  status: r.status,
  stuck: r.stuck,
  start_time: r.start_time,
  end_time: r.end_time,
  duration_ms: r.duration_ms,
  error: r.error,
  retry_count: r.retry_count,
  process_id: r.process_id,
  attributes: r.attributes,
});

/** One page of the pipeline events that `where` selects, in `paging`'s order, flagged stuck past `thresholdSeconds`. */
export async function eventsPage(
  ctx: Ctx,
  where: SQL[],
  paging: Keyset<EventRow>,
  thresholdSeconds: number,
): Promise<z.output<typeof PipelineEventsResult>> {
  const conditions = paging.after ? [...where, paging.after] : where;
  const rows = await queryRows<EventRow>(
    ctx.db,
    sql`select ${eventColumns(isStuck(ctx, thresholdSeconds))} from pipeline_events
        where ${sql.join(conditions, sql` and `)} order by ${paging.orderBy} limit ${paging.limit}`,
  );
  const { items, next_cursor } = paging.page(rows);
  return { events: items.map(eventView), next_cursor };
}
