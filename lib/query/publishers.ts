import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import type { Ctx } from "@/lib/auth/context";
import { isoTime, num } from "./sql";

export const PublisherView = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    origin: z.enum(["server", "sdk"]),
    enabled: z.boolean(),
    target: z.string().nullable().meta({ description: "where it sends (URL or host); never a secret" }),
    state: z.enum(["healthy", "degraded", "failing", "disabled"]).nullable(),
    last_success_at: z.string().nullable(),
    last_error: z.string().nullable(),
    last_error_at: z.string().nullable(),
    sent_count: z.number(),
    failed_count: z.number(),
    backlog: z.number(),
    updated_at: z.string().nullable(),
  })
  .meta({ id: "Publisher" });
export const PublishersResult = z.object({ publishers: z.array(PublisherView) });

/** Every publisher of the project with its latest status. */
export async function listPublishers({ ctx }: { ctx: Ctx }): Promise<z.output<typeof PublishersResult>> {
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    sql`select p.id, p.name, p.type, p.origin, p.enabled, coalesce(p.config ->> 'url', p.config ->> 'endpoint', p.config ->> 'host') as target,
          s.state, ${isoTime(sql`s.last_success_at`)} as last_success_at, s.last_error, ${isoTime(sql`s.last_error_at`)} as last_error_at,
          s.sent_count, s.failed_count, s.backlog, ${isoTime(sql`s.updated_at`)} as updated_at
        from publishers p left join publisher_status s on s.publisher_id = p.id
        where p.project_id = ${ctx.projectId}
        order by p.origin, p.name`,
  );
  return {
    publishers: rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      type: String(r.type),
      origin: r.origin as "server" | "sdk",
      enabled: Boolean(r.enabled),
      target: (r.target as string | null) ?? null,
      state: (r.state as "healthy" | "degraded" | "failing" | "disabled" | null) ?? null,
      last_success_at: (r.last_success_at as string | null) ?? null,
      last_error: (r.last_error as string | null) ?? null,
      last_error_at: (r.last_error_at as string | null) ?? null,
      sent_count: num(r.sent_count),
      failed_count: num(r.failed_count),
      backlog: num(r.backlog),
      updated_at: (r.updated_at as string | null) ?? null,
    })),
  };
}
