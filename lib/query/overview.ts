import { sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db";

export interface StoredCounts {
  projectId: string;
  slug: string;
  name: string;
  spans: number;
  traces: number;
  metrics: number;
  logs: number;
  events: number;
  pipelineEvents: number;
  networkOps: number;
}

/** How much of each signal every project holds. */
export async function countStored({ db }: { db: Db }): Promise<StoredCounts[]> {
  const count = (table: string) =>
    sql.raw(`(select count(*) from ${table} x where x.project_id = p.id)::float8`);
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`
      select p.id, p.slug, p.name,
        ${count("spans")} as spans, ${count("traces")} as traces, ${count("metric_points")} as metrics,
        ${count("logs")} as logs, ${count("events")} as events, ${count("pipeline_events")} as pipeline_events,
        ${count("network_ops")} as network_ops
      from projects p
      order by p.created_at, p.slug
    `,
  );
  return rows.map((r) => ({
    projectId: String(r.id),
    slug: String(r.slug),
    name: String(r.name),
    spans: Number(r.spans),
    traces: Number(r.traces),
    metrics: Number(r.metrics),
    logs: Number(r.logs),
    events: Number(r.events),
    pipelineEvents: Number(r.pipeline_events),
    networkOps: Number(r.network_ops),
  }));
}
