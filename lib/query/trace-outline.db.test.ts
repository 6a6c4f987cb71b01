import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "@/db";
import { createTestProject, openTestDatabase } from "@/db/testing";
import type { Database } from "@/db/testing/tables";
import type { Ctx } from "@/lib/auth/context";
import { ingestSpans } from "@/lib/ingest/native";
import { newTraceId } from "@/lib/model/ids";
import { getTraceOutline, getTraceSpan, TraceOutline, TraceOutlineQuery } from "./trace-outline";
import { getTrace } from "./traces";

let database: Database;
let ctx: Ctx;
let other: Ctx;
const now = Date.now();
const id = (n: number) => n.toString(16).padStart(16, "0");
const trace = newTraceId();

// 60 spans: span n's parent is span n / 2 (span 1 the root), span 60 names a parent that never arrives, span 7
// reuses span 6's id a second later; ids run against start order, so pages by id and start order differ
const spans = Array.from({ length: 60 }, (_, i) => ({
  trace_id: trace,
  span_id: i === 6 ? id(6) : id(i + 1),
  parent_span_id: i === 0 ? null : i === 59 ? id(999) : id(Math.floor((i + 1) / 2)),
  name: `op-${i + 1}`,
  service_name: ["api", "db", "cache"][i % 3]!,
  kind: i === 0 ? "server" : "internal",
  start_time: (now - (100 - i) * 1000) / 1000,
  duration_ms: 1 + i / 1000,
  status: i % 10 === 3 ? "ERROR" : "OK",
  ...(i % 10 === 3 ? { status_message: "boom" } : {}),
  attributes: { "step.index": i, "batch.id": "b-42", ...(i === 5 ? { nested: { deep: [1, "two"] } } : {}) },
}));

beforeAll(async () => {
  database = await openTestDatabase();
  ctx = await createTestProject(database);
  other = await createTestProject(database);
  expect(await ingestSpans({ ctx, input: spans })).toMatchObject({ accepted: 60 });
});

afterAll(async () => {
  await database.close();
});

describe("a trace's outline", () => {
  it("pages every span once, in columns that decode to what the full answer says", async () => {
    const whole = await getTrace({ ctx, input: { trace_id: trace } });
    const pages = [];
    let cursor: string | undefined;
    do {
      const page = await getTraceOutline({ ctx, input: { trace_id: trace.toUpperCase(), limit: 7, cursor } });
      // what the endpoint declares it answers
      expect(TraceOutline.safeParse(page).success).toBe(true);
      pages.push(page);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(pages).toHaveLength(9);
    expect(pages.map((p) => p.spans.span_id.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);
    const first = pages[0]!;
    expect(first).toMatchObject({
      trace_id: trace,
      span_count: 60,
      error_count: 6,
      services: ["api", "cache", "db"],
      root_name: "op-1",
      service_name: "api",
      root_span_id: id(1),
    });
    expect(pages.slice(1).every((p) => p.root_span_id === null)).toBe(true);

    // decoded, every span matches the full JSON answer of the same trace
    const decoded = pages.flatMap(({ strings, spans: c, start_time_unix_nano }) =>
      c.span_id.map((spanId, i) => ({
        span_id: spanId,
        parent_span_id: c.parent_span_id[i],
        name: strings[c.name[i]!],
        service_name: strings[c.service[i]!],
        kind: strings[c.kind[i]!],
        status: {
          code: strings[c.status[i]!],
          message: c.status_message[i] === null ? null : strings[c.status_message[i]!],
        },
        start_time_unix_nano: String(BigInt(start_time_unix_nano) + BigInt(c.start[i]!)),
        end_time_unix_nano: String(BigInt(start_time_unix_nano) + BigInt(c.start[i]!) + BigInt(c.duration[i]!)),
        attributes: c.attributes[i],
      })),
    );
    expect(first.start_time).toBe(whole.start_time);
    const byKey = new Map(decoded.map((s) => [`${s.span_id}/${s.start_time_unix_nano}`, s]));
    expect(byKey.size).toBe(60);
    for (const span of whole.spans) {
      expect(byKey.get(`${span.span_id}/${span.start_time_unix_nano}`)).toEqual({
        span_id: span.span_id,
        parent_span_id: span.parent_span_id,
        name: span.name,
        service_name: span.service_name,
        kind: span.kind,
        status: span.status,
        start_time_unix_nano: span.start_time_unix_nano,
        end_time_unix_nano: span.end_time_unix_nano,
        attributes: span.attributes,
      });
    }
    // the dictionary says each string once per answer
    for (const page of pages) expect(new Set(page.strings).size).toBe(page.strings.length);
  });

  it("answers the top of the tree by start, and refuses a cursor there", async () => {
    const top = await getTraceOutline({ ctx, input: { trace_id: trace, order: "start", limit: 5 } });
    const names = top.spans.name.map((n) => top.strings[n]);
    expect(names).toEqual(["op-1", "op-2", "op-3", "op-4", "op-5"]);
    expect(top.spans.start[0]).toBe(0);
    expect(top).toMatchObject({ next_cursor: null, root_span_id: id(1), root_name: "op-1" });
    const page = await getTraceOutline({ ctx, input: { trace_id: trace, limit: 5 } });
    await expect(
      getTraceOutline({ ctx, input: { trace_id: trace, order: "start", cursor: page.next_cursor! } }),
    ).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("reads a huge trace's top by the start index, and finds there what the primary key finds", async () => {
    // 2: every trace of two spans or more counts as huge; 1,000,000: none does
    const top = (huge: number) =>
      queryRows<{ span_id: string; start: string }>(
        ctx.db,
        sql`select span_id, start_time_unix_nano::text as start
            from tracedeck_trace_head(${ctx.projectId}, ${trace}, 7, ${huge})`,
      );
    const byStartIndex = await top(2);
    expect(byStartIndex.map((s) => s.span_id)).toEqual(spans.slice(0, 7).map((s) => s.span_id));
    expect(byStartIndex).toEqual(await top(1_000_000));
  });

  it("caps a page and is a 404 for an unknown trace or another project's", async () => {
    expect(TraceOutlineQuery.safeParse({ limit: "50001" }).success).toBe(false);
    expect(TraceOutlineQuery.parse({}).limit).toBe(50_000);
    await expect(getTraceOutline({ ctx, input: { trace_id: newTraceId() } })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(getTraceOutline({ ctx: other, input: { trace_id: trace } })).rejects.toMatchObject({
      code: "not_found",
    });
  });
});

describe("a span of a trace", () => {
  it("answers the whole span by its id, both spans of a reused id, and a missing parent", async () => {
    const one = await getTraceSpan({ ctx, input: { trace_id: trace, span_id: id(6) } });
    expect(one.spans.map((s) => s.name)).toEqual(["op-6", "op-7"]);
    expect(one.spans[0]!.attributes).toEqual({ "step.index": 5, "batch.id": "b-42", nested: { deep: [1, "two"] } });
    const orphan = await getTraceSpan({ ctx, input: { trace_id: trace, span_id: id(60) } });
    expect(orphan.spans).toMatchObject([{ name: "op-60", missing_parent: true, status: { code: "ok" } }]);
    const child = await getTraceSpan({ ctx, input: { trace_id: trace, span_id: id(40) } });
    expect(child.spans).toMatchObject([{ name: "op-40", missing_parent: false, parent_span_id: id(20) }]);
    await expect(getTraceSpan({ ctx, input: { trace_id: trace, span_id: id(998) } })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(getTraceSpan({ ctx: other, input: { trace_id: trace, span_id: id(6) } })).rejects.toMatchObject({
      code: "not_found",
    });
  });
});
