import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "@/db";
import type { Ctx } from "@/lib/auth/context";

export const ProjectStats = z
  .object({
    spans: z.number(),
    traces: z.number(),
    metric_points: z.number(),
    logs: z.number(),
    events: z.number(),
    pipeline_events: z.number(),
    network_ops: z.number(),
  })
  .meta({ id: "ProjectStats", description: "rows of each signal the project holds, at any time" });

const TABLES = ["spans", "traces", "metric_points", "logs", "events", "pipeline_events", "network_ops"] as const;

/** How much of each signal the project holds: the overview tells an empty project from a quiet hour with it. */
export async function projectStats({ ctx }: { ctx: Ctx }): Promise<z.output<typeof ProjectStats>> {
  const [row] = await queryRows<Record<string, unknown>>(
    ctx.db,
    sql`select ${sql.join(
      TABLES.map(
        (table) =>
          sql`(select count(*) from ${sql.identifier(table)} where project_id = ${ctx.projectId})::float8 as ${sql.identifier(table)}`,
      ),
      sql`, `,
    )}`,
  );
  return Object.fromEntries(TABLES.map((table) => [table, Number(row?.[table] ?? 0)])) as z.output<typeof ProjectStats>;
}
