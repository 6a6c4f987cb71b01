import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { PageParams, RangeParams, decodeCursor, page, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { readSeverityNumber } from "@/lib/model/enums";
import { nanosToIso } from "@/lib/model/time";
import { containsPattern, isoTime, nanosToTimestamp, num } from "./sql";

const Severity = z.string().transform((value, ctx) => {
  const n = readSeverityNumber(value);
  if (n === undefined) {
    ctx.addIssue({ code: "custom", message: "must be TRACE, DEBUG, INFO, WARN, ERROR, FATAL or 1–24" });
    return z.NEVER;
  }
  return n;
});
const TraceId = z
  .string()
  .regex(/^[0-9a-fA-F]{32}$/, "must be 32 hex characters")
  .transform((s) => s.toLowerCase());

export const LogSearchQuery = z.object({
  service: z.string().optional(),
  severity: Severity.optional().meta({ description: "at least this severity (name or number)" }),
  q: z.string().optional().meta({ description: "text the body contains (case-insensitive)" }),
  trace_id: TraceId.optional(),
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
  const after = decodeCursor(input.cursor, ["string", "string"]);
  if (after) where.push(sql`(time_unix_nano, id::text) < (${BigInt(after[0]!)}, ${after[1]})`);
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    sql`select * from logs where ${sql.join(where, sql` and `)} order by time_unix_nano desc, id::text desc limit ${input.limit + 1}`,
  );
  const { items, next_cursor } = page(rows, input.limit, (r) => [String(r.time_unix_nano), String(r.id)]);
  return {
    logs: items.map((r) => ({
      id: String(r.id),
      time: nanosToIso(BigInt(r.time_unix_nano as bigint)),
      time_unix_nano: String(r.time_unix_nano),
      severity_number: num(r.severity_number),
      severity_text: (r.severity_text as string | null) ?? null,
      body: r.body ?? null,
      service_name: (r.service_name as string | null) ?? null,
      trace_id: (r.trace_id as string | null) ?? null,
      span_id: (r.span_id as string | null) ?? null,
      event_name: (r.event_name as string | null) ?? null,
      attributes: (r.attributes as Record<string, unknown>) ?? {},
      resource_attributes: (r.resource_attributes as Record<string, unknown>) ?? {},
      scope: (r.scope as Record<string, unknown> | null) ?? null,
    })),
    next_cursor,
  };
}

export const EventSearchQuery = z.object({
  name: z.string().optional(),
  service: z.string().optional(),
  q: z.string().optional().meta({ description: "text the name or attributes contain (case-insensitive)" }),
  trace_id: TraceId.optional(),
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
  const after = decodeCursor(input.cursor, ["number", "string"]);
  if (after) where.push(sql`(extract(epoch from time)::float8 * 1e6, id::text) < (${after[0]}::float8, ${after[1]})`);
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    sql`select id, name, ${isoTime(sql`time`)} as time, extract(epoch from time)::float8 * 1e6 as time_us, service_name,
          trace_id, span_id, attributes
        from events where ${sql.join(where, sql` and `)} order by time desc, id::text desc limit ${input.limit + 1}`,
  );
  const { items, next_cursor } = page(rows, input.limit, (r) => [Number(r.time_us), String(r.id)]);
  return {
    events: items.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      time: String(r.time),
      service_name: (r.service_name as string | null) ?? null,
      trace_id: (r.trace_id as string | null) ?? null,
      span_id: (r.span_id as string | null) ?? null,
      attributes: (r.attributes as Record<string, unknown>) ?? {},
    })),
    next_cursor,
  };
}
