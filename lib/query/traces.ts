import { sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import { queryRows } from "@/db";
import { addDays, DAY_NANOS, dayOfNanos } from "@/db/partitions";
import { traces } from "@/db/schema";
import {
  decodeCursor,
  DurationParam,
  encodeCursor,
  KeyValueParam,
  PageParams,
  RangeParams,
  repeatedParam,
  TraceIdParam,
  resolveRange,
  type Range,
} from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { ApiError } from "@/lib/errors";
import { nanosToIso } from "@/lib/model/time";
import { keyset } from "./keyset";
import { attributesContain } from "./sql";

/** Services a search names at most (repeated service=: traces with spans of each). */
export const MAX_SEARCH_SERVICES = 5;

const TraceFilterParams = {
  service: repeatedParam(MAX_SEARCH_SERVICES, "services").meta({
    description: "traces with a span of this service; repeat for traces with spans of each (a call between them)",
  }),
  operation: z
    .string()
    .optional()
    .meta({ description: "traces with a span of this name (of the first `service`, when given)" }),
  status: z.enum(["error", "ok"]).optional().meta({ description: "error: a span failed; ok: none did" }),
  min_duration_ms: DurationParam("ms").optional(),
  max_duration_ms: DurationParam("ms").optional(),
  attr: KeyValueParam.meta({ description: "key:value a span (or its resource) has; repeat for AND" }),
  ...RangeParams,
};

export const TraceSearchQuery = z.object({
  ...TraceFilterParams,
  sort: z
    .enum(["newest", "slowest"])
    .default("newest")
    .meta({ description: "newest first (by start), or slowest first (by duration); a cursor pages in its own order" }),
  ...PageParams,
});

/** Points a trace-duration chart draws at most: the slowest few of each slice of the range. */
export const MAX_DURATION_POINTS = 2_000;
/** Slices of the range a duration chart's points are spread over. */
const DURATION_SLICES = 100;

export const TraceDurationsQuery = z.object({
  ...TraceFilterParams,
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_DURATION_POINTS)
    .default(1_000)
    .meta({
      description: `points at most (≤ ${MAX_DURATION_POINTS}): the slowest traces of each of ${DURATION_SLICES} slices of the range`,
    }),
});

export const TraceDurationPoint = z.object({
  trace_id: z.string(),
  start_time: z.string(),
  duration_ms: z.number(),
  error: z.boolean(),
  root_service: z.string().nullable(),
  root_name: z.string().nullable(),
});

export const TraceDurations = z.object({
  points: z.array(TraceDurationPoint),
  total: z.number().meta({ description: "traces matching the filters in the range" }),
  complete: z.boolean().meta({ description: "whether `points` holds every matching trace" }),
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

type TraceFilters = Omit<z.output<typeof TraceSearchQuery>, "sort" | "cursor" | "limit">;

/** The where clause of the summaries (alias `t`) that match the filters in the range. */
function traceFilters(ctx: Ctx, input: TraceFilters, range: Range): SQL[] {
  const where: SQL[] = [
    sql`t.project_id = ${ctx.projectId}`,
    sql`t.start_time_unix_nano >= ${range.from}`,
    sql`t.start_time_unix_nano <= ${range.to}`,
    // a summary lives on its first span's day: its start's day, or the day after when an earlier span came later
    sql`t.day >= ${dayOfNanos(range.from)}::date and t.day <= ${addDays(dayOfNanos(range.to), 1)}::date`,
  ];
  for (const service of input.service) where.push(sql`${service} = any(t.services)`);
  const [service] = input.service;
  if (input.status === "error") where.push(sql`t.error_count > 0`);
  if (input.status === "ok") where.push(sql`t.error_count = 0`);
  if (input.min_duration_ms !== undefined) where.push(sql`t.duration_nano >= ${msToNanos(input.min_duration_ms)}`);
  if (input.max_duration_ms !== undefined) where.push(sql`t.duration_nano <= ${msToNanos(input.max_duration_ms)}`);
  if (input.operation) {
    where.push(sql`exists (select 1 from spans s where s.project_id = t.project_id and s.trace_id = t.trace_id
      and s.name = ${input.operation} ${service !== undefined ? sql`and s.service_name = ${service}` : sql``})`);
  }
  for (const pair of input.attr) {
    // the spans that carry it, found through the attributes index on the range's days (a trace's
    // spans start after the trace does, and by a day after its start at most, as far as search looks)
    where.push(sql`t.trace_id in (select s.trace_id from spans s
      where s.project_id = ${ctx.projectId}
        and s.start_time_unix_nano >= ${range.from} and s.start_time_unix_nano <= ${range.to + DAY_NANOS}
        and ${attributesContain(pair)})`);
  }
  return where;
}

/** Trace summaries matching the filters, newest or slowest first. Reads `traces`; spans only for operation/attr. */
export async function searchTraces({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof TraceSearchQuery>;
}): Promise<z.output<typeof TraceSearchResult>> {
  const where = traceFilters(ctx, input, resolveRange(input, ctx.now()));
  type Keyed = Pick<typeof traces.$inferSelect, "startTimeUnixNano" | "durationNano" | "traceId">;
  const paging = keyset<Keyed>(input, [
    input.sort === "slowest"
      ? { key: sql`t.duration_nano`, type: "bigint", of: (r) => r.durationNano }
      : { key: sql`t.start_time_unix_nano`, type: "bigint", of: (r) => r.startTimeUnixNano },
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

/**
 * The durations of the range's matching traces for a chart: every one when they are few, else the slowest of each
 * of DURATION_SLICES slices of the range, so the chart shows the whole range and its outliers rather than a page.
 */
export async function traceDurations({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof TraceDurationsQuery>;
}): Promise<z.output<typeof TraceDurations>> {
  const range = resolveRange(input, ctx.now());
  const where = sql.join(traceFilters(ctx, input, range), sql` and `);
  const perSlice = Math.max(1, Math.floor(input.limit / DURATION_SLICES));
  const width = (range.to - range.from) / BigInt(DURATION_SLICES) + 1n;
  const rows = await queryRows<{
    trace_id: string;
    start: string;
    duration: string;
    errors: number;
    root_service: string | null;
    root_name: string | null;
    total: number;
  }>(
    ctx.db,
    sql`with matching as (
          select t.trace_id, t.start_time_unix_nano, t.duration_nano, t.error_count, t.root_service_name, t.root_name,
            row_number() over (partition by (t.start_time_unix_nano - ${range.from}) / ${width}
              order by t.duration_nano desc, t.trace_id) as rank,
            count(*) over () as total
          from traces t where ${where}
        )
        select trace_id, start_time_unix_nano::text as start, duration_nano::text as duration, error_count as errors,
          root_service_name as root_service, root_name, total::int as total
        from matching
        where total <= ${input.limit} or rank <= ${perSlice}
        -- past the limit, the slowest of each slice come first, the slowest of all before the others
        order by rank, duration_nano desc, trace_id
        limit ${input.limit}`,
  );
  const total = rows[0]?.total ?? 0;
  rows.sort((a, b) => (BigInt(a.start) < BigInt(b.start) ? -1 : BigInt(a.start) > BigInt(b.start) ? 1 : 0));
  return {
    points: rows.map((r) => ({
      trace_id: r.trace_id,
      start_time: nanosToIso(BigInt(r.start)),
      duration_ms: Number(r.duration) / 1e6,
      error: r.errors > 0,
      root_service: r.root_service,
      root_name: r.root_name,
    })),
    total,
    complete: rows.length === total,
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
    root_span: SpanView.nullable().meta({
      description: "the earliest span without a parent; on the first page only (the answer without `cursor`)",
    }),
    start_time: z.string(),
    duration_ms: z.number(),
    span_count: z.number().meta({ description: "spans in the whole trace, on every page" }),
    error_count: z.number(),
    services: z.array(z.string()),
    spans: z.array(SpanView).meta({
      description:
        "in start order; a trace of more spans than `limit` comes in pages, each the next spans by span id (in start order within the page)",
    }),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: "the rest of a trace longer than `limit`: pass as `cursor`" }),
  })
  .meta({ id: "Trace" });

/** Spans a trace answer holds at most: a trace longer than that comes in pages. */
export const MAX_TRACE_PAGE = 10_000;

/** The `limit` of a trace answer: spans per answer, `max` at most and by default. */
export const spanLimit = (max: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(max)
    .meta({ description: `spans per answer, at most ${max.toLocaleString("en")}` });

export const TraceQuery = z.object({
  limit: spanLimit(MAX_TRACE_PAGE),
  cursor: PageParams.cursor,
  order: z.enum(["span_id", "start"]).default("span_id").meta({
    description:
      "span_id: pages by span id, with next_cursor; start: only the earliest `limit` spans by start time, the top of the tree (no next_cursor: read the rest by span id)",
  }),
});

export const TraceIdParams = z.object({ trace_id: TraceIdParam });

const isoNanosText = (column: string) =>
  `to_char(to_timestamp((${column} / 1000000000)::float8) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '.' || lpad((${column} % 1000000000)::text, 9, '0') || 'Z'`;

/** A span as the database builds its JSON: the answer's span but for `missing_parent` and its events' times. */
type StoredSpan = Omit<z.output<typeof SpanView>, "missing_parent" | "events"> & {
  events: { time_unix_nano?: string }[];
};

/** One span's JSON, as SpanView has it but for `missing_parent` (columns of `spans`, or of a set of them). */
const SPAN_JSON = sql.raw(`json_build_object(
  'trace_id', trace_id, 'span_id', span_id, 'parent_span_id', parent_span_id, 'name', name,
  'service_name', service_name, 'kind', kind, 'status', json_build_object('code', status_code, 'message', status_message),
  'start_time', ${isoNanosText("start_time_unix_nano")}, 'end_time', ${isoNanosText("end_time_unix_nano")},
  'start_time_unix_nano', start_time_unix_nano::text, 'end_time_unix_nano', end_time_unix_nano::text,
  'duration_ms', (end_time_unix_nano - start_time_unix_nano)::float8 / 1e6,
  'attributes', attributes, 'resource_attributes', resource_attributes, 'events', events, 'links', links,
  'scope', scope, 'trace_state', trace_state, 'flags', flags, 'dropped', dropped
)`);
type TraceHeader = {
  start: string;
  end: string;
  span_count: number;
  error_count: number;
  services: string[];
  root_service_name: string | null;
  root_name: string | null;
};

/** What a trace answer says of the whole trace: its summary, or, for a trace without one, its spans counted. */
export async function traceHeader(ctx: Ctx, traceId: string): Promise<TraceHeader | undefined> {
  const [summary] = await queryRows<TraceHeader>(
    ctx.db,
    sql`select start_time_unix_nano::text as start, end_time_unix_nano::text as "end", span_count, error_count,
          services, root_service_name, root_name
        from traces where project_id = ${ctx.projectId} and trace_id = ${traceId}
        order by span_count desc limit 1`,
  );
  if (summary) return summary;
  const [counted] = await queryRows<TraceHeader>(
    ctx.db,
    sql`select min(start_time_unix_nano)::text as start, max(end_time_unix_nano)::text as "end",
          count(*)::int as span_count, (count(*) filter (where status_code = 'error'))::int as error_count,
          coalesce(array_agg(distinct service_name), '{}') as services, null as root_service_name, null as root_name
        from tracedeck_trace_spans(${ctx.projectId}, ${traceId})`,
  );
  return counted && counted.span_count > 0 ? counted : undefined;
}

const spanKey = (span: StoredSpan): [string, string] => [span.span_id, span.start_time_unix_nano];
const keyAfter = (a: StoredSpan, b: StoredSpan) =>
  a.span_id === b.span_id ? BigInt(a.start_time_unix_nano) > BigInt(b.start_time_unix_nano) : a.span_id > b.span_id;

/** Spans as the database built their JSON, in start order (the SQL's json_agg order). */
async function storedSpans(ctx: Ctx, query: SQL): Promise<StoredSpan[]> {
  const [row] = await queryRows<{ spans: string | null }>(
    ctx.db,
    sql`select json_agg(${SPAN_JSON} order by start_time_unix_nano, span_id)::text as spans from (${query}) s`,
  );
  // the one cast a JSON text needs: its shape is SPAN_JSON
  return row?.spans ? (JSON.parse(row.spans) as StoredSpan[]) : [];
}

function spanView(span: StoredSpan, missingParent: boolean): z.output<typeof SpanView> {
  if (span.events.length > 0) {
    span.events = span.events.map((e) => ({
      ...e,
      time: e.time_unix_nano ? nanosToIso(BigInt(e.time_unix_nano)) : null,
    }));
  }
  return { ...span, missing_parent: missingParent };
}

/**
 * Which spans of a trace an answer holds: its top (`order=start`, which takes no cursor) or the page after the
 * cursor's (span id, start) key.
 */
export function tracePageOf(input: { order?: "span_id" | "start"; cursor?: string }): {
  head: boolean;
  afterSpan: string;
  afterStart: string;
} {
  const head = input.order === "start";
  if (head && input.cursor !== undefined) {
    const message = "order=start answers the earliest spans only: page through the rest with order=span_id";
    throw new ApiError("validation_failed", `invalid query parameter: cursor: ${message}`, [
      { path: "cursor", message },
    ]);
  }
  const [afterSpan, afterStart] = (decodeCursor(input.cursor, ["string", "bigint"]) ?? [
    "",
    "-9223372036854775808",
  ]) as [string, string];
  return { head, afterSpan, afterStart };
}

/** Answer spans of stored ones: a parent not among them is looked up by id in the trace, else it is missing. */
async function withParents(ctx: Ctx, traceId: string, stored: StoredSpan[]): Promise<z.output<typeof SpanView>[]> {
  const ids = new Set(stored.map((span) => span.span_id));
  const elsewhere = [...new Set(stored.map((s) => s.parent_span_id).filter((p): p is string => !!p && !ids.has(p)))];
  if (elsewhere.length > 0) {
    const found = await queryRows<{ id: string }>(
      ctx.db,
      sql`select t as id from tracedeck_trace_has_spans(${ctx.projectId}, ${traceId},
            (select array_agg(value) from json_array_elements_text(${JSON.stringify(elsewhere)}::json))) t`,
    );
    for (const { id } of found) ids.add(id);
  }
  return stored.map((span) => spanView(span, span.parent_span_id !== null && !ids.has(span.parent_span_id)));
}

/** The spans a query of `spans` rows finds, as the API answers them (in start order). */
export async function spanViews(ctx: Ctx, traceId: string, query: SQL): Promise<z.output<typeof SpanView>[]> {
  return withParents(ctx, traceId, await storedSpans(ctx, query));
}

/**
 * A trace: what it holds in all (from its summary) and its spans, the whole trace when it has at most `limit`
 * spans, else a page of them: the next `limit` spans by (span id, start) after the cursor's. Every page is read
 * by the primary key within the days the trace ran, so serving a trace of a million spans costs a page's memory.
 */
export async function getTrace({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof TraceIdParams> & Partial<z.output<typeof TraceQuery>>;
}): Promise<z.output<typeof TraceView>> {
  const traceId = input.trace_id.toLowerCase();
  const limit = input.limit ?? MAX_TRACE_PAGE;
  const { head, afterSpan, afterStart } = tracePageOf(input);
  const header = await traceHeader(ctx, traceId);
  if (!header) throw new ApiError("not_found", `no trace ${traceId}`);
  const stored = await storedSpans(
    ctx,
    head
      ? sql`select * from tracedeck_trace_head(${ctx.projectId}, ${traceId}, ${limit})`
      : sql`select * from tracedeck_trace_page(${ctx.projectId}, ${traceId}, ${afterSpan}, ${afterStart}::bigint, ${limit + 1})`,
  );
  // one span more than the page holds tells that another page follows: the last by (span id, start) goes
  let next: string | null = null;
  if (!head && stored.length > limit) {
    let last = 0;
    for (let i = 1; i < stored.length; i++) if (keyAfter(stored[i]!, stored[last]!)) last = i;
    stored.splice(last, 1);
    let kept = 0;
    for (let i = 1; i < stored.length; i++) if (keyAfter(stored[i]!, stored[kept]!)) kept = i;
    next = encodeCursor(spanKey(stored[kept]!));
  }
  const spans = await withParents(ctx, traceId, stored);
  // the root: the earliest parentless span of the trace, on the first page (found among the page's own spans
  // when the page is the whole trace)
  let root: z.output<typeof SpanView> | null = null;
  if (input.cursor === undefined) {
    root = spans.find((s) => s.parent_span_id === null) ?? null;
    if (next !== null || (head && spans.length < header.span_count)) {
      const [earliest] = await storedSpans(ctx, sql`select * from tracedeck_trace_root(${ctx.projectId}, ${traceId})`);
      root = earliest ? spanView(earliest, false) : null;
    }
  }
  const start = BigInt(header.start);
  return {
    trace_id: traceId,
    service_name: root?.service_name ?? header.root_service_name,
    root_span: root,
    start_time: nanosToIso(start),
    duration_ms: Number(BigInt(header.end) - start) / 1e6,
    span_count: header.span_count,
    error_count: header.error_count,
    services: [...header.services].sort(),
    spans,
    next_cursor: next,
  };
}
