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

type Stats = z.output<typeof ProjectStats>;
/** the answer's fields are the tables' names: the query returns one column per field, named after it */
const TABLES = ProjectStats.keyof().options;

/** How much of each signal the project holds: the overview tells an empty project from a quiet hour with it. */
export async function projectStats({ ctx }: { ctx: Ctx }): Promise<Stats> {
  const [row] = await queryRows<Stats>(
    ctx.db,
    sql`select ${sql.join(
      TABLES.map(
        (table) =>
          sql`(select count(*) from ${sql.identifier(table)} where project_id = ${ctx.projectId})::float8 as ${sql.identifier(table)}`,
      ),
      sql`, `,
    )}`,
  );
  // a select without FROM answers exactly one row
  return row!;
}
