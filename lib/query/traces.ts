import { sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import { queryRows } from "@/db";
import { addDays, DAY_NANOS, dayOfNanos } from "@/db/partitions";
import { traces } from "@/db/schema";
import { DurationParam, KeyValueParam, PageParams, RangeParams, TraceIdParam, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { ApiError } from "@/lib/errors";
import { nanosToIso } from "@/lib/model/time";
import { keyset } from "./keyset";
import { attributesContain } from "./sql";

export const TraceSearchQuery = z.object({
  service: z.string().optional().meta({ description: "traces with a span of this service" }),
  operation: z.string().optional().meta({ description: "traces with a span of this name (of `service`, when given)" }),
  status: z.enum(["error", "ok"]).optional().meta({ description: "error: a span failed; ok: none did" }),
  min_duration_ms: DurationParam("ms").optional(),
  max_duration_ms: DurationParam("ms").optional(),
  attr: KeyValueParam.meta({ description: "key:value a span (or its resource) has; repeat for AND" }),
  ...RangeParams,
  ...PageParams,
});

export const TraceSummary = z
  .object({
    trace_id: z.string(),
    root_service: z.string().nullable(),
    root_name: z.string().nullable(),
    start_time: z.string(),
    duration_ms: z.number(),
    span_count: z.number(),
    error_count: z.number(),
    services: z.array(z.string()),
  })
  .meta({ id: "TraceSummary" });

export const TraceSearchResult = z.object({ traces: z.array(TraceSummary), next_cursor: z.string().nullable() });

const msToNanos = (ms: number) => BigInt(Math.round(ms * 1e6));

/** Trace summaries matching the filters, newest first. Reads `traces`; spans only for operation/attr. */
export async function searchTraces({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof TraceSearchQuery>;
}): Promise<z.output<typeof TraceSearchResult>> {
  const range = resolveRange(input, ctx.now());
  const where: SQL[] = [
    sql`t.project_id = ${ctx.projectId}`,
    sql`t.start_time_unix_nano >= ${range.from}`,
    sql`t.start_time_unix_nano <= ${range.to}`,
    // a summary lives on its first span's day: its start's day, or the day after when an earlier span came later
    sql`t.day >= ${dayOfNanos(range.from)}::date and t.day <= ${addDays(dayOfNanos(range.to), 1)}::date`,
  ];
  if (input.service) where.push(sql`${input.service} = any(t.services)`);
  if (input.status === "error") where.push(sql`t.error_count > 0`);
  if (input.status === "ok") where.push(sql`t.error_count = 0`);
  if (input.min_duration_ms !== undefined) where.push(sql`t.duration_nano >= ${msToNanos(input.min_duration_ms)}`);
  if (input.max_duration_ms !== undefined) where.push(sql`t.duration_nano <= ${msToNanos(input.max_duration_ms)}`);
  if (input.operation) {
    where.push(sql`exists (select 1 from spans s where s.project_id = t.project_id and s.trace_id = t.trace_id
      and s.name = ${input.operation} ${input.service ? sql`and s.service_name = ${input.service}` : sql``})`);
  }
  for (const pair of input.attr) {
    // the spans that carry it, found through the attributes index on the range's days (a trace's
    // spans start after the trace does, and by a day after its start at most, as far as search looks)
    where.push(sql`t.trace_id in (select s.trace_id from spans s
      where s.project_id = ${ctx.projectId}
        and s.start_time_unix_nano >= ${range.from} and s.start_time_unix_nano <= ${range.to + DAY_NANOS}
        and ${attributesContain(pair)})`);
  }
  const paging = keyset<Pick<typeof traces.$inferSelect, "startTimeUnixNano" | "traceId">>(input, [
    { key: sql`t.start_time_unix_nano`, type: "bigint", of: (r) => r.startTimeUnixNano },
    { key: sql`t.trace_id`, type: "text", of: (r) => r.traceId },
  ]);
  if (paging.after) where.push(paging.after);

  const t = alias(traces, "t");
  const rows = await ctx.db
    .select({
      traceId: t.traceId,
      rootServiceName: t.rootServiceName,
      rootName: t.rootName,
      startTimeUnixNano: t.startTimeUnixNano,
      durationNano: t.durationNano,
      spanCount: t.spanCount,
      errorCount: t.errorCount,
      services: t.services,
    })
    .from(t)
    .where(sql.join(where, sql` and `))
    .orderBy(paging.orderBy)
    .limit(paging.limit);
  const { items, next_cursor } = paging.page(rows);
  return {
    traces: items.map((r) => ({
      trace_id: r.traceId,
      root_service: r.rootServiceName,
      root_name: r.rootName,
      start_time: nanosToIso(r.startTimeUnixNano),
      duration_ms: Number(r.durationNano) / 1e6,
      span_count: r.spanCount,
      error_count: r.errorCount,
      services: r.services,
    })),
    next_cursor,
  };
}

export const SpanView = z
  .object({
    trace_id: z.string(),
    span_id: z.string(),
    parent_span_id: z.string().nullable(),
    name: z.string(),
    service_name: z.string(),
    kind: z.string(),
    status: z.object({ code: z.string(), message: z.string().nullable() }),
    start_time: z.string(),
    end_time: z.string(),
    start_time_unix_nano: z.string(),
    end_time_unix_nano: z.string(),
    duration_ms: z.number(),
    attributes: z.record(z.string(), z.unknown()),
    resource_attributes: z.record(z.string(), z.unknown()),
    events: z.array(z.unknown()),
    links: z.array(z.unknown()),
    scope: z.record(z.string(), z.unknown()).nullable(),
    trace_state: z.string().nullable(),
    flags: z.number().nullable(),
    dropped: z.record(z.string(), z.number()).nullable(),
    missing_parent: z.boolean().meta({ description: "its parent span never arrived" }),
  })
  .meta({ id: "Span" });

export const TraceView = z
  .object({
    trace_id: z.string(),
    service_name: z.string().nullable().meta({ description: "the root span's service" }),
    root_span: SpanView.nullable(),
    start_time: z.string(),
    duration_ms: z.number(),
    span_count: z.number(),
    error_count: z.number(),
    services: z.array(z.string()),
    spans: z.array(SpanView),
  })
  .meta({ id: "Trace" });

export const TraceIdParams = z.object({ trace_id: TraceIdParam });

const isoNanos = (column: string) =>
  sql.raw(
    `to_char(to_timestamp((${column} / 1000000000)::float8) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '.' || lpad((${column} % 1000000000)::text, 9, '0') || 'Z'`,
  );

/** A span as the database builds its JSON: the answer's span but for `missing_parent` and its events' times. */
type StoredSpan = Omit<z.output<typeof SpanView>, "missing_parent" | "events"> & {
  events: { time_unix_nano?: string }[];
};

/**
 * A whole trace: every span, ordered by start; spans whose parent never arrived are flagged.
 * The database builds the spans' JSON itself: one text value instead of a row per span is
 * several times faster to hand over on large traces (10,000 spans and more). The spans come from
 * `tracedeck_trace_spans` (migration 0007): the trace's summaries say when it ran (every span starts
 * between their start and end), so only those days' partitions of spans are planned and read, in one
 * round trip; a trace without a summary is looked up on every day.
 */
export async function getTrace({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof TraceIdParams>;
}): Promise<z.output<typeof TraceView>> {
  const traceId = input.trace_id.toLowerCase();
  const [row] = await queryRows<{ spans: string | null }>(
    ctx.db,
    sql`select json_agg(json_build_object(
          'trace_id', trace_id, 'span_id', span_id, 'parent_span_id', parent_span_id, 'name', name,
          'service_name', service_name, 'kind', kind, 'status', json_build_object('code', status_code, 'message', status_message),
          'start_time', ${isoNanos("start_time_unix_nano")}, 'end_time', ${isoNanos("end_time_unix_nano")},
          'start_time_unix_nano', start_time_unix_nano::text, 'end_time_unix_nano', end_time_unix_nano::text,
          'duration_ms', (end_time_unix_nano - start_time_unix_nano)::float8 / 1e6,
          'attributes', attributes, 'resource_attributes', resource_attributes, 'events', events, 'links', links,
          'scope', scope, 'trace_state', trace_state, 'flags', flags, 'dropped', dropped
        ) order by start_time_unix_nano, span_id)::text as spans
        from tracedeck_trace_spans(${ctx.projectId}, ${traceId})`,
  );
  // the one cast a JSON text needs: its shape is the json_build_object above
  const stored = row?.spans ? (JSON.parse(row.spans) as StoredSpan[]) : [];
  if (stored.length === 0) throw new ApiError("not_found", `no trace ${traceId}`);
  const ids = new Set(stored.map((span) => span.span_id));
  const spans = stored.map((span): z.output<typeof SpanView> => {
    if (span.events.length > 0) {
      span.events = span.events.map((e) => ({
        ...e,
        time: e.time_unix_nano ? nanosToIso(BigInt(e.time_unix_nano)) : null,
      }));
    }
    return { ...span, missing_parent: span.parent_span_id !== null && !ids.has(span.parent_span_id) };
  });
  const root = spans.find((s) => s.parent_span_id === null) ?? null;
  const start = spans.reduce(
    (min, s) => (BigInt(s.start_time_unix_nano) < min ? BigInt(s.start_time_unix_nano) : min),
    BigInt(spans[0]!.start_time_unix_nano),
  );
  const end = spans.reduce((max, s) => (BigInt(s.end_time_unix_nano) > max ? BigInt(s.end_time_unix_nano) : max), 0n);
  return {
    trace_id: traceId,
    service_name: root?.service_name ?? null,
    root_span: root,
    start_time: nanosToIso(start),
    duration_ms: Number(end - start) / 1e6,
    span_count: spans.length,
    error_count: spans.filter((s) => s.status.code === "error").length,
    services: [...new Set(spans.map((s) => s.service_name))].sort(),
    spans,
  };
}
