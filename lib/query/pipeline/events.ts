import { sql } from "drizzle-orm";
import { z } from "zod";
import { isoTime } from "../sql";

export const PipelineEventView = z
  .object({
    task_id: z.string(),
    event_name: z.string(),
    status: z.enum(["pending", "completed", "failed"]),
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

export const eventColumns = sql`task_id, event_name, status, ${isoTime(sql`start_time`)} as start_time,
  ${isoTime(sql`end_time`)} as end_time, duration_ms, error, retry_count, process_id, attributes,
  extract(epoch from start_time)::float8 * 1e6 as start_us`;

/** What `eventColumns` reads: the answer's fields, and the start in µs for cursors. */
export type EventRow = z.output<typeof PipelineEventView> & { start_us: number };

export const eventView = (r: EventRow): z.output<typeof PipelineEventView> => ({
  task_id: r.task_id,
  event_name: r.event_name,
  status: r.status,
  start_time: r.start_time,
  end_time: r.end_time,
  duration_ms: r.duration_ms,
  error: r.error,
  retry_count: r.retry_count,
  process_id: r.process_id,
  attributes: r.attributes,
});
