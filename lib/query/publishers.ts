import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import type { Ctx } from "@/lib/auth/context";
import {
  assertSeriesFit,
  buckets,
  RangeParams,
  resolveRange,
  SERIES_ROWS_READ,
  seriesRows,
  StepParam,
} from "@/lib/api/params";
import { textWithoutUserInfo, withoutUserInfo } from "@/lib/publishers/config";
import { bucketOf } from "./pipeline/range";
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
  /** a counter's growth since the report before (a counter that went down started again from zero) */
  const growth = (counter: "sent" | "failed" | "dropped") =>
    sql.raw(
      `sum(case when ${counter}_before is null then 0 when ${counter}_count >= ${counter}_before then ${counter}_count - ${counter}_before else ${counter}_count end)::float8`,
    );
  // per publisher and bucket: the counters' growth between reports (a counter that went down started again from
  // zero) and the last backlog, summed in the database, so a publisher reporting every second costs no memory here
  const rows = await seriesRows(
    queryRows<{ publisher_id: string; bucket: number; sent: number; failed: number; dropped: number; backlog: number }>(
      ctx.db,
      sql`with samples as (
          select s.publisher_id, s.time, s.backlog,
            ${bucketOf("s.time", b)} as bucket,
            s.sent_count, lag(s.sent_count) over w as sent_before,
            s.failed_count, lag(s.failed_count) over w as failed_before,
            s.dropped_count, lag(s.dropped_count) over w as dropped_before
          from publisher_samples s join publishers p on p.id = s.publisher_id
          where p.project_id = ${ctx.projectId} and s.time >= ${nanosToTimestamp(range.from)} and s.time <= ${nanosToTimestamp(range.to)}
          window w as (partition by s.publisher_id order by s.time)
        )
        select publisher_id, bucket,
          ${growth("sent")} as sent,
          ${growth("failed")} as failed,
          ${growth("dropped")} as dropped,
          (array_agg(backlog order by time desc))[1] as backlog
        from samples where bucket >= 0 and bucket < ${b.count}
        group by publisher_id, bucket
        order by publisher_id, bucket
        limit ${SERIES_ROWS_READ}`,
    ),
  );
  const byPublisher = new Map<
    string,
    { sent: number[]; failed: number[]; dropped: number[]; backlog: (number | null)[] }
  >();
  for (const r of rows) {
    if (!byPublisher.has(r.publisher_id)) {
      assertSeriesFit(byPublisher.size + 1, b);
      byPublisher.set(r.publisher_id, {
        sent: Array(b.count).fill(0),
        failed: Array(b.count).fill(0),
        dropped: Array(b.count).fill(0),
        backlog: Array(b.count).fill(null),
      });
    }
    const series = byPublisher.get(r.publisher_id)!;
    series.sent[r.bucket] = r.sent;
    series.failed[r.bucket] = r.failed;
    series.dropped[r.bucket] = r.dropped;
    series.backlog[r.bucket] = r.backlog;
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
