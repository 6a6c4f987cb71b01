import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import type { Ctx } from "@/lib/auth/context";
import { assertSeriesFit, buckets, RangeParams, resolveRange, StepParam } from "@/lib/api/params";
import { textWithoutUserInfo, withoutUserInfo } from "@/lib/publishers/config";
import { redactConfig } from "@/lib/publishers/manage";
import { nanosToIso } from "@/lib/model/time";
import { isoTime, nanosToTimestamp, num, type Int8 } from "./sql";

export const PublisherView = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    origin: z.enum(["server", "sdk"]),
    enabled: z.boolean(),
    target: z.string().nullable().meta({ description: "where it sends (URL or host); never a secret" }),
    config: z
      .record(z.string(), z.unknown())
      .meta({ description: "its settings, with every credential replaced by ••••••" }),
    state: z.enum(["healthy", "degraded", "failing", "disabled"]).nullable(),
    last_success_at: z.string().nullable(),
    last_error: z.string().nullable(),
    last_error_at: z.string().nullable(),
    sent_count: z.number(),
    failed_count: z.number().meta({ description: "records the target refused" }),
    dropped_count: z.number().meta({ description: "records a full queue let go" }),
    backlog: z.number(),
    updated_at: z.string().nullable(),
  })
  .meta({ id: "Publisher" });
export const PublishersResult = z.object({ publishers: z.array(PublisherView) });

type Publisher = z.output<typeof PublisherView>;

/**
 * A publisher and its status as the list reads them: the status side is null (counts too) while
 * the publisher has not reported yet, the target is raw and the config unredacted.
 */
type PublisherRow = Omit<Publisher, "sent_count" | "failed_count" | "dropped_count" | "backlog"> & {
  sent_count: Int8 | null;
  failed_count: Int8 | null;
  dropped_count: Int8 | null;
  backlog: number | null;
};

/** Every publisher of the project with its latest status. */
export async function listPublishers({ ctx }: { ctx: Ctx }): Promise<z.output<typeof PublishersResult>> {
  const rows = await queryRows<PublisherRow>(
    ctx.db,
    sql`select p.id, p.name, p.type, p.origin, p.enabled, p.config,
          coalesce(p.config ->> 'url', p.config ->> 'endpoint', p.config ->> 'host', p.config ->> 'target') as target,
          s.state, ${isoTime(sql`s.last_success_at`)} as last_success_at, s.last_error, ${isoTime(sql`s.last_error_at`)} as last_error_at,
          s.sent_count, s.failed_count, s.dropped_count, s.backlog, ${isoTime(sql`s.updated_at`)} as updated_at
        from publishers p left join publisher_status s on s.publisher_id = p.id
        where p.project_id = ${ctx.projectId}
        order by p.origin, p.name`,
  );
  return {
    publishers: rows.map((r) => ({
      id: r.id,
      name: r.name,
      type: r.type,
      origin: r.origin,
      enabled: r.enabled,
      // a URL's user and password never show, even where an SDK reported them in its target
      target: r.target === null ? null : withoutUserInfo(r.target),
      config: redactConfig(r.config),
      state: r.state,
      last_success_at: r.last_success_at,
      last_error: r.last_error === null ? null : textWithoutUserInfo(r.last_error),
      last_error_at: r.last_error_at,
      sent_count: num(r.sent_count),
      failed_count: num(r.failed_count),
      dropped_count: num(r.dropped_count),
      backlog: r.backlog ?? 0,
      updated_at: r.updated_at,
    })),
  };
}

export const PublisherSeriesQuery = z.object({ ...StepParam, ...RangeParams });
export const PublisherSeries = z.object({
  step_seconds: z.number(),
  publishers: z.array(
    z.object({
      id: z.string(),
      points: z.array(
        z.object({
          time: z.string(),
          sent: z.number(),
          failed: z.number(),
          dropped: z.number(),
          backlog: z.number().nullable(),
        }),
      ),
    }),
  ),
});

/**
 * Sends and failures per time bucket, from the publishers' reported counters: the growth of the
 * counters between reports (a counter that went down started again from zero).
 */
export async function publisherSeries({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: z.output<typeof PublisherSeriesQuery>;
}): Promise<z.output<typeof PublisherSeries>> {
  const range = resolveRange(input, ctx.now());
  const b = buckets(range, input.step_seconds);
  const rows = await queryRows<{
    publisher_id: string;
    time_us: number;
    sent_count: Int8;
    failed_count: Int8;
    dropped_count: Int8;
    backlog: number;
  }>(
    ctx.db,
    sql`select s.publisher_id, extract(epoch from s.time)::float8 * 1e6 as time_us, s.sent_count, s.failed_count, s.dropped_count, s.backlog
        from publisher_samples s join publishers p on p.id = s.publisher_id
        where p.project_id = ${ctx.projectId} and s.time >= ${nanosToTimestamp(range.from)} and s.time <= ${nanosToTimestamp(range.to)}
        order by s.publisher_id, s.time`,
  );
  const byPublisher = new Map<
    string,
    { sent: number[]; failed: number[]; dropped: number[]; backlog: (number | null)[] }
  >();
  const previous = new Map<string, { sent: number; failed: number; dropped: number }>();
  for (const r of rows) {
    const id = r.publisher_id;
    if (!byPublisher.has(id)) {
      assertSeriesFit(byPublisher.size + 1, b);
      byPublisher.set(id, {
        sent: Array(b.count).fill(0),
        failed: Array(b.count).fill(0),
        dropped: Array(b.count).fill(0),
        backlog: Array(b.count).fill(null),
      });
    }
    const series = byPublisher.get(id)!;
    const bucket = Number((BigInt(Math.round(r.time_us)) * 1000n - b.first) / b.stepNanos);
    const sent = num(r.sent_count);
    const failed = num(r.failed_count);
    const dropped = num(r.dropped_count);
    const last = previous.get(id);
    const growth = (now: number, before: number) => (now >= before ? now - before : now);
    if (last && bucket >= 0 && bucket < b.count) {
      series.sent[bucket]! += growth(sent, last.sent);
      series.failed[bucket]! += growth(failed, last.failed);
      series.dropped[bucket]! += growth(dropped, last.dropped);
    }
    if (bucket >= 0 && bucket < b.count) series.backlog[bucket] = r.backlog;
    previous.set(id, { sent, failed, dropped });
  }
  return {
    step_seconds: b.step,
    publishers: [...byPublisher.entries()].map(([id, s]) => ({
      id,
      points: s.sent.map((sent, i) => ({
        time: nanosToIso(b.first + BigInt(i) * b.stepNanos),
        sent,
        failed: s.failed[i]!,
        dropped: s.dropped[i]!,
        backlog: s.backlog[i]!,
      })),
    })),
  };
}
