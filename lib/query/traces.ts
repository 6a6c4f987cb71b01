import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import { KeyValueParam, PageParams, RangeParams, decodeCursor, page, resolveRange } from "@/lib/api/params";
import type { Ctx } from "@/lib/auth/context";
import { ApiError } from "@/lib/http/errors";
import { nanosToIso } from "@/lib/model/time";
import { num } from "./sql";

export const TraceSearchQuery = z.object({
  service: z.string().optional().meta({ description: "traces with a span of this service" }),
  operation: z.string().optional().meta({ description: "traces with a span of this name (of `service`, when given)" }),
  status: z.enum(["error", "ok"]).optional().meta({ description: "error: a span failed; ok: none did" }),
  min_duration_ms: z.coerce.number().min(0).optional(),
  max_duration_ms: z.coerce.number().min(0).optional(),
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
export async function searchTraces({ ctx, input }: { ctx: Ctx; input: z.output<typeof TraceSearchQuery> }): Promise<z.output<typeof TraceSearchResult>> {
  const range = resolveRange(input, ctx.now());
  const where: SQL[] = [
    sql`t.project_id = ${ctx.projectId}`,
    sql`t.start_time_unix_nano >= ${range.from}`,
    sql`t.start_time_unix_nano <= ${range.to}`,
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
  for (const { key, value } of input.attr) {
    where.push(sql`exists (select 1 from spans s where s.project_id = t.project_id and s.trace_id = t.trace_id
      and (s.attributes ->> ${key} = ${value} or s.resource_attributes ->> ${key} = ${value}))`);
  }
  const after = decodeCursor(input.cursor, ["string", "string"]);
  if (after) where.push(sql`(t.start_time_unix_nano, t.trace_id) < (${BigInt(after[0]!)}, ${after[1]})`);

  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    sql`select t.trace_id, t.root_service_name, t.root_name, t.start_time_unix_nano, t.duration_nano, t.span_count,
          t.error_count, t.services
        from traces t
        where ${sql.join(where, sql` and `)}
        order by t.start_time_unix_nano desc, t.trace_id desc
        limit ${input.limit + 1}`,
  );
  const { items, next_cursor } = page(rows, input.limit, (r) => [String(r.start_time_unix_nano), String(r.trace_id)]);
  return {
    traces: items.map((r) => ({
      trace_id: String(r.trace_id),
      root_service: (r.root_service_name as string | null) ?? null,
      root_name: (r.root_name as string | null) ?? null,
      start_time: nanosToIso(BigInt(r.start_time_unix_nano as bigint)),
      duration_ms: Number(r.duration_nano) / 1e6,
      span_count: num(r.span_count),
      error_count: num(r.error_count),
      services: (r.services as string[]) ?? [],
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

export const TraceIdParams = z.object({ trace_id: z.string().regex(/^[0-9a-fA-F]{32}$/, "must be 32 hex characters") });

/** A whole trace: every span, ordered by start; spans whose parent never arrived are flagged. */
export async function getTrace({ ctx, input }: { ctx: Ctx; input: z.output<typeof TraceIdParams> }): Promise<z.output<typeof TraceView>> {
  const traceId = input.trace_id.toLowerCase();
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    sql`select * from spans where project_id = ${ctx.projectId} and trace_id = ${traceId}
        order by start_time_unix_nano, span_id`,
  );
  if (rows.length === 0) throw new ApiError("not_found", `no trace ${traceId}`);
  const ids = new Set(rows.map((r) => String(r.span_id)));
  const spans = rows.map((r): z.output<typeof SpanView> => {
    const start = BigInt(r.start_time_unix_nano as bigint);
    const end = BigInt(r.end_time_unix_nano as bigint);
    const events = ((r.events as { time_unix_nano?: string }[]) ?? []).map((e) => ({
      ...e,
      time: e.time_unix_nano ? nanosToIso(BigInt(e.time_unix_nano)) : null,
    }));
    const parent = (r.parent_span_id as string | null) ?? null;
    return {
      trace_id: String(r.trace_id),
      span_id: String(r.span_id),
      parent_span_id: parent,
      name: String(r.name),
      service_name: String(r.service_name),
      kind: String(r.kind),
      status: { code: String(r.status_code), message: (r.status_message as string | null) ?? null },
      start_time: nanosToIso(start),
      end_time: nanosToIso(end),
      start_time_unix_nano: start.toString(),
      end_time_unix_nano: end.toString(),
      duration_ms: Number(end - start) / 1e6,
      attributes: (r.attributes as Record<string, unknown>) ?? {},
      resource_attributes: (r.resource_attributes as Record<string, unknown>) ?? {},
      events,
      links: (r.links as unknown[]) ?? [],
      scope: (r.scope as Record<string, unknown> | null) ?? null,
      trace_state: (r.trace_state as string | null) ?? null,
      flags: r.flags === null || r.flags === undefined ? null : Number(r.flags),
      dropped: (r.dropped as Record<string, number> | null) ?? null,
      missing_parent: parent !== null && !ids.has(parent),
    };
  });
  const root = spans.find((s) => s.parent_span_id === null) ?? null;
  const start = spans.reduce((min, s) => (BigInt(s.start_time_unix_nano) < min ? BigInt(s.start_time_unix_nano) : min), BigInt(spans[0]!.start_time_unix_nano));
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
