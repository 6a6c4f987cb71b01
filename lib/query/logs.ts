import { getTableColumns, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { logs } from "@/db/schema";
import { KeyValueParam, PageParams, RangeParams, TraceIdParam, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { readSeverityNumber } from "@/lib/model/enums";
import { nanosToIso } from "@/lib/model/time";
import { keyset } from "./keyset";
import { attributesContain, containsPattern, isoTime, nanosToTimestamp } from "./sql";

const Severity = z.string().transform((value, ctx) => {
  const n = readSeverityNumber(value);
  if (n === undefined) {
    ctx.addIssue({ code: "custom", message: "must be TRACE, DEBUG, INFO, WARN, ERROR, FATAL or 1–24" });
    return z.NEVER;
  }
  return n;
});

export const LogSearchQuery = z.object({
  service: z.string().optional(),
  severity: Severity.optional().meta({ description: "at least this severity (name or number)" }),
  q: z.string().optional().meta({ description: "text the body contains (case-insensitive)" }),
  trace_id: TraceIdParam.optional(),
  attr: KeyValueParam.meta({ description: "key:value the record (or its resource) has; repeat for AND" }),
  ...RangeParams,
  ...PageParams,
});

export const LogView = z
  .object({
    id: z.string(),
    time: z.string(),
    time_unix_nano: z.string(),
    severity_number: z.number(),
    severity_text: z.string().nullable(),
    body: z.unknown(),
    service_name: z.string().nullable(),
    trace_id: z.string().nullable(),
    span_id: z.string().nullable(),
    event_name: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    resource_attributes: z.record(z.string(), z.unknown()),
    scope: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: "Log" });
export const LogSearchResult = z.object({ logs: z.array(LogView), next_cursor: z.string().nullable() });

/** Log records, newest first. */
export async function searchLogs({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof LogSearchQuery>;
}): Promise<z.output<typeof LogSearchResult>> {
  const range = resolveRange(input, ctx.now());
  const where: SQL[] = [
    sql`project_id = ${ctx.projectId}`,
    sql`time_unix_nano >= ${range.from}`,
    sql`time_unix_nano <= ${range.to}`,
  ];
  if (input.service) where.push(sql`service_name = ${input.service}`);
  if (input.severity !== undefined) where.push(sql`severity_number >= ${input.severity}`);
  if (input.q) where.push(sql`body::text ilike ${containsPattern(input.q)}`);
  if (input.trace_id) where.push(sql`trace_id = ${input.trace_id}`);
  for (const pair of input.attr) where.push(attributesContain(pair));
  const paging = keyset<typeof logs.$inferSelect>(input, [
    { key: sql`time_unix_nano`, type: "bigint", of: (r) => r.timeUnixNano },
    { key: sql`id::text`, type: "text", of: (r) => r.id },
  ]);
  if (paging.after) where.push(paging.after);
  const rows = await ctx.db
    .select({
      ...getTableColumns(logs),
      // as the driver parsed it: drizzle's jsonb mapping would parse a string body that reads as JSON ("42") again
      body: sql<unknown>`${logs.body}`,
    })
    .from(logs)
    .where(sql.join(where, sql` and `))
    .orderBy(paging.orderBy)
    .limit(paging.limit);
  const { items, next_cursor } = paging.page(rows);
  return {
    logs: items.map((r) => ({
      id: r.id,
      time: nanosToIso(r.timeUnixNano),
      time_unix_nano: String(r.timeUnixNano),
      severity_number: r.severityNumber,
      severity_text: r.severityText,
      body: r.body ?? null,
      service_name: r.serviceName,
      trace_id: r.traceId,
      span_id: r.spanId,
      event_name: r.eventName,
      attributes: r.attributes,
      resource_attributes: r.resourceAttributes,
      scope: r.scope,
    })),
    next_cursor,
  };
}

export const EventSearchQuery = z.object({
  name: z.string().optional(),
  service: z.string().optional(),
  q: z.string().optional().meta({ description: "text the name or attributes contain (case-insensitive)" }),
  trace_id: TraceIdParam.optional(),
  ...RangeParams,
  ...PageParams,
});
export const EventView = z
  .object({
    id: z.string(),
    name: z.string(),
    time: z.string(),
    service_name: z.string().nullable(),
    trace_id: z.string().nullable(),
    span_id: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "Event" });
export const EventSearchResult = z.object({ events: z.array(EventView), next_cursor: z.string().nullable() });

/** An event as the search reads it: the answer's fields, and its time in µs for the cursor. */
type EventRow = z.output<typeof EventView> & { time_us: number };

/** Standalone events, newest first. */
export async function searchEvents({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof EventSearchQuery>;
}): Promise<z.output<typeof EventSearchResult>> {
  const range = resolveRange(input, ctx.now());
  const where: SQL[] = [
    sql`project_id = ${ctx.projectId}`,
    sql`time >= ${nanosToTimestamp(range.from)}`,
    sql`time <= ${nanosToTimestamp(range.to)}`,
  ];
  if (input.name) where.push(sql`name = ${input.name}`);
  if (input.service) where.push(sql`service_name = ${input.service}`);
  if (input.q)
    where.push(sql`(name ilike ${containsPattern(input.q)} or attributes::text ilike ${containsPattern(input.q)})`);
  if (input.trace_id) where.push(sql`trace_id = ${input.trace_id}`);
  const paging = keyset<EventRow>(input, [
    { key: sql`extract(epoch from time)::float8 * 1e6`, order: sql`events.time`, type: "float8", of: (r) => r.time_us },
    { key: sql`id::text`, type: "text", of: (r) => r.id },
  ]);
  if (paging.after) where.push(paging.after);
  const rows = await queryRows<EventRow>(
    ctx.db,
    sql`select id, name, ${isoTime(sql`time`)} as time, extract(epoch from time)::float8 * 1e6 as time_us, service_name,
          trace_id, span_id, attributes
        from events where ${sql.join(where, sql` and `)} order by ${paging.orderBy} limit ${paging.limit}`,
  );
  const { items, next_cursor } = paging.page(rows);
  return {
    events: items.map((r) => ({
      id: r.id,
      name: r.name,
      time: r.time,
      service_name: r.service_name,
      trace_id: r.trace_id,
      span_id: r.span_id,
      attributes: r.attributes,
    })),
    next_cursor,
  };
}
