import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { encodeCursor, TraceIdParam } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { ApiError } from "@/lib/errors";
import { nanosToIso } from "@/lib/model/time";
import { spanLimit, SpanView, spanViews, traceHeader, tracePageOf, TraceQuery } from "./traces";

// A trace as a viewer draws it: per span only what a waterfall row, the tree, search and the minimap read, in
// columns, with every name, service, kind and status said once in a dictionary. A page of 50,000 spans is a few
// megabytes of JSON that the server passes on mostly as the database wrote it and the browser parses into arrays,
// so a million-span trace reaches the browser in seconds and sits in its memory a fraction of the size of whole
// span objects; a span's details (events, links, resource) are read one span at a time when it is opened.

/** Spans an outline answer holds at most. */
export const MAX_OUTLINE_PAGE = 50_000;

export const TraceOutlineQuery = TraceQuery.extend({ limit: spanLimit(MAX_OUTLINE_PAGE) });

const Indexes = z.array(z.number().int());

export const TraceOutline = z
  .object({
    trace_id: z.string(),
    service_name: z.string().nullable().meta({ description: "the root span's service" }),
    root_name: z.string().nullable().meta({ description: "the root span's name" }),
    root_span_id: z
      .string()
      .nullable()
      .meta({ description: "the earliest span without a parent; on the first answer only (without `cursor`)" }),
    start_time: z.string(),
    start_time_unix_nano: z.string().meta({ description: "the trace's start: `spans.start` counts from it" }),
    duration_ms: z.number(),
    span_count: z.number().meta({ description: "spans in the whole trace, on every page" }),
    error_count: z.number(),
    services: z.array(z.string()),
    strings: z.array(z.string()).meta({
      description: "the dictionary: names, services, kinds, status codes and messages by index",
    }),
    spans: z
      .object({
        span_id: z.array(z.string()),
        parent_span_id: z.array(z.string().nullable()),
        name: Indexes,
        service: Indexes,
        kind: Indexes,
        status: Indexes,
        status_message: z.array(z.number().int().nullable()),
        start: z.array(z.number()).meta({ description: "ns after `start_time_unix_nano`" }),
        duration: z.array(z.number()).meta({ description: "ns" }),
        attributes: z.array(z.record(z.string(), z.unknown())),
      })
      .meta({ description: "one array per field, the spans at the same index; in span id order, or start order" }),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: "the rest of a trace longer than `limit`: pass as `cursor`" }),
  })
  .meta({ id: "TraceOutline" });

type Outline = z.output<typeof TraceOutline>;

/** One page of a trace's columns as the database aggregates them (JSON texts), and the page's last key. */
interface PageRow extends Record<string, unknown> {
  n: number;
  span_id: string | null;
  parent_span_id: string | null;
  name: string | null;
  service_name: string | null;
  kind: string | null;
  status_code: string | null;
  status_message: string | null;
  start: string | null;
  duration: string | null;
  attributes: string | null;
  last_span: string | null;
  last_start: string | null;
}

/** A string dictionary: each distinct string once, by first use. */
class Dictionary {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  of(value: string): number {
    let at = this.index.get(value);
    if (at === undefined) {
      at = this.strings.length;
      this.strings.push(value);
      this.index.set(value, at);
    }
    return at;
  }
}

const parsed = <T>(text: string | null): T[] => (text ? (JSON.parse(text) as T[]) : []);

/**
 * A trace's outline: what it holds in all (from its summary) and its spans' columns, the earliest `limit` by start
 * (`order=start`, the top of the tree) or the next `limit` by (span id, start) after the cursor. Read like
 * `getTrace`'s pages, by the primary key within the days the trace ran. The database writes each column's JSON;
 * the columns of strings are coded here, the rest go out as the database wrote them, never parsed.
 */
export async function traceOutlineJson({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { trace_id: string } & Partial<z.output<typeof TraceOutlineQuery>>;
}): Promise<string> {
  const traceId = input.trace_id.toLowerCase();
  const limit = input.limit ?? MAX_OUTLINE_PAGE;
  const { head, afterSpan, afterStart } = tracePageOf(input);
  const header = await traceHeader(ctx, traceId);
  if (!header) throw new ApiError("not_found", `no trace ${traceId}`);
  const base = BigInt(header.start);

  // one span more than the page holds tells that another page follows
  const source: SQL = head
    ? sql`tracedeck_trace_head(${ctx.projectId}, ${traceId}, ${limit})`
    : sql`tracedeck_trace_page(${ctx.projectId}, ${traceId}, ${afterSpan}, ${afterStart}::bigint, ${limit + 1})`;
  const kept = sql`filter (where s.ordinality <= ${limit})`;
  const column = (expression: SQL) => sql`(json_agg(${expression} order by s.ordinality) ${kept})::text`;
  // an aggregate answers one row, whatever it counted
  const page = (
    await queryRows<PageRow>(
      ctx.db,
      sql`select count(*)::int as n,
          ${column(sql`s.span_id`)} as span_id, ${column(sql`s.parent_span_id`)} as parent_span_id,
          ${column(sql`s.name`)} as name, ${column(sql`s.service_name`)} as service_name,
          ${column(sql`s.kind`)} as kind, ${column(sql`s.status_code`)} as status_code,
          ${column(sql`s.status_message`)} as status_message,
          ${column(sql`s.start_time_unix_nano - ${base}::bigint`)} as start,
          ${column(sql`s.end_time_unix_nano - s.start_time_unix_nano`)} as duration,
          ${column(sql`s.attributes`)} as attributes,
          max(s.span_id) filter (where s.ordinality = ${limit}) as last_span,
          (max(s.start_time_unix_nano) filter (where s.ordinality = ${limit}))::text as last_start
        from ${source} with ordinality as s`,
    )
  )[0]!;
  const next =
    !head && page.n > limit && page.last_span !== null && page.last_start !== null
      ? encodeCursor([page.last_span, page.last_start])
      : null;

  const dictionary = new Dictionary();
  const code = (text: string | null) => JSON.stringify(parsed<string>(text).map((v) => dictionary.of(v)));
  const names = parsed<string>(page.name).map((v) => dictionary.of(v));
  const services = parsed<string>(page.service_name).map((v) => dictionary.of(v));
  const kinds = code(page.kind);
  const statuses = code(page.status_code);
  const messages = JSON.stringify(parsed<string | null>(page.status_message).map((m) => (m ? dictionary.of(m) : null)));

  // the root: the summary names it; a trace without one (still arriving) finds it among the page or by a lookup
  let rootSpanId: string | null = null;
  let rootName = header.root_name;
  let rootService = header.root_service_name;
  if (input.cursor === undefined) {
    const parents = parsed<string | null>(page.parent_span_id);
    const inPage = parents.indexOf(null);
    if (inPage >= 0 && head) {
      rootSpanId = parsed<string>(page.span_id)[inPage]!;
      rootName ??= dictionary.strings[names[inPage]!]!;
      rootService ??= dictionary.strings[services[inPage]!]!;
    } else {
      const [root] = await queryRows<{ span_id: string; name: string; service_name: string }>(
        ctx.db,
        sql`select span_id, name, service_name from tracedeck_trace_root(${ctx.projectId}, ${traceId})`,
      );
      rootSpanId = root?.span_id ?? null;
      rootName ??= root?.name ?? null;
      rootService ??= root?.service_name ?? null;
    }
  }

  const about = JSON.stringify({
    trace_id: traceId,
    service_name: rootService,
    root_name: rootName,
    root_span_id: rootSpanId,
    start_time: nanosToIso(base),
    start_time_unix_nano: header.start,
    duration_ms: Number(BigInt(header.end) - base) / 1e6,
    span_count: header.span_count,
    error_count: header.error_count,
    services: [...header.services].sort(),
    strings: dictionary.strings,
  });
  const raw = (text: string | null) => text ?? "[]";
  return (
    `${about.slice(0, -1)},"spans":{"span_id":${raw(page.span_id)},"parent_span_id":${raw(page.parent_span_id)},` +
    `"name":${JSON.stringify(names)},"service":${JSON.stringify(services)},"kind":${kinds},"status":${statuses},` +
    `"status_message":${messages},"start":${raw(page.start)},"duration":${raw(page.duration)},` +
    `"attributes":${raw(page.attributes)}},"next_cursor":${JSON.stringify(next)}}`
  );
}

/** The outline, parsed: for callers in this process. */
export async function getTraceOutline(args: Parameters<typeof traceOutlineJson>[0]): Promise<Outline> {
  return JSON.parse(await traceOutlineJson(args)) as Outline;
}

export const TraceSpanParams = z.object({
  trace_id: TraceIdParam,
  span_id: z
    .string()
    .regex(/^[0-9a-fA-F]{16}$/, "must be 16 hex characters")
    .transform((s) => s.toLowerCase()),
});

export const TraceSpans = z
  .object({
    spans: z.array(SpanView).meta({ description: "the spans of that id: one, or more when the id was reused" }),
  })
  .meta({ id: "TraceSpans" });

/** How many spans of one id a trace may hold that an answer lists. */
const MAX_SAME_ID = 100;

/** The spans of one id in a trace, whole (attributes, events, links, resource): what a viewer opens. */
export async function getTraceSpan({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof TraceSpanParams>;
}): Promise<z.output<typeof TraceSpans>> {
  const spans = await spanViews(
    ctx,
    input.trace_id,
    sql`select * from tracedeck_trace_page(${ctx.projectId}, ${input.trace_id}, ${input.span_id}, '-9223372036854775808'::bigint, ${MAX_SAME_ID})
        where span_id = ${input.span_id}`,
  );
  if (spans.length === 0) throw new ApiError("not_found", `no span ${input.span_id} in trace ${input.trace_id}`);
  return { spans };
}
