import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Db, type Statements } from "@/db";
import { HISTOGRAM_SIZE, histogramBucket } from "@/lib/storage/histogram";

// The counters behind GET /metrics (pipeline_counters and network_counters, db/schema/pipeline.ts).
// Each merge statement of the writer (an upsert that sets the rows' added_* columns) answers what
// its rows added, read from its RETURNING; once a transaction's merges have run, one statement per
// table adds it all to the counters, in the same transaction as the rows. A report merged again
// (a retried batch) adds nothing, so nothing is counted twice.
//
// A series' row stays locked from that statement to the commit: transactions adding to the same
// series take turns there, as they already do at the rollup marks of their minute. A series that
// gained nothing is written only when it has no row yet (a new event name or host, which then
// reads 0 rather than being absent), so a batch of starts or of repeated reports takes no lock.

type Tx = Pick<Db, "execute">;

/** What a merge statement's rows added to one series, in one bucket of durations (null: rows that ended nothing). */
type Added = {
  project_id: string;
  bucket: number | null;
  ended: number;
  sum_ms: number;
};

/** Per event name and status: attempts that ended, their durations, and retries. */
export type PipelineAdded = Added & { event_name: string; status: string; retries: number };

/** Per host:port and operation: operations that ended, their latencies, and bytes. */
export type NetworkAdded = Added & {
  host: string;
  port: number;
  operation: string;
  bytes_sent: number;
  bytes_received: number;
};

/**
 * Runs an upsert of pipeline_events and answers what its rows added: the attempts that ended, with
 * their durations (the task's, as its row holds it), and retries.
 */
export const mergePipelineEvents = (tx: Statements, upsert: SQL) =>
  queryRows<PipelineAdded>(
    tx,
    sql`with merged as (${upsert} returning project_id, event_name, status, duration_ms, added_outcome, added_retries)
  select project_id, event_name, status, case when added_outcome then ${histogramBucket(sql`duration_ms`)} end as bucket,
    (count(*) filter (where added_outcome))::float8 as ended,
    coalesce(sum(duration_ms) filter (where added_outcome), 0)::float8 as sum_ms,
    sum(added_retries)::float8 as retries
  from merged group by 1, 2, 3, 4`,
  );

/** Runs an upsert of network_ops and answers what its rows added: the operations that ended, their latencies, bytes. */
export const mergeNetworkOps = (tx: Statements, upsert: SQL) =>
  queryRows<NetworkAdded>(
    tx,
    sql`with merged as (${upsert}
    returning project_id, host, port, operation, latency_ms, added_end, added_bytes_sent, added_bytes_received)
  select project_id, host, port, operation, case when added_end then ${histogramBucket(sql`latency_ms`)} end as bucket,
    (count(*) filter (where added_end))::float8 as ended,
    coalesce(sum(latency_ms) filter (where added_end), 0)::float8 as sum_ms,
    sum(added_bytes_sent)::float8 as bytes_sent, sum(added_bytes_received)::float8 as bytes_received
  from merged group by 1, 2, 3, 4, 5`,
  );

/** `array[f(1), …]`: a whole histogram, bucket by bucket, from an expression of each subscript. */
const everyBucket = (bucket: (subscript: number) => string): SQL =>
  sql.raw(`array[${Array.from({ length: HISTOGRAM_SIZE }, (_, i) => bucket(i + 1)).join(", ")}]::bigint[]`);

/** The histogram of a group's additions (tracedeck_histogram's starts at its first bucket with a count). */
const histogramOfAdded = sql`tracedeck_histogram(array_agg(bucket), array_agg(ended::bigint), ${sql.raw(String(HISTOGRAM_SIZE))})`;
/** A histogram as the counters keep it: every bucket, from the first. */
const wholeHistogram = everyBucket((i) => `coalesce(histogram[${i}], 0)`);
/** The counter row's histogram plus the one added. */
const histogramPlusAdded = everyBucket((i) => `coalesce(c.histogram[${i}], 0) + coalesce(excluded.histogram[${i}], 0)`);

/** Adds what a transaction's pipeline merges added to pipeline_counters. */
export async function addPipelineCounts(tx: Tx, rows: PipelineAdded[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(sql`
    with series as (
      select project_id, event_name, status, sum(ended) as ended, ${histogramOfAdded} as histogram,
        sum(sum_ms) as sum_ms, sum(retries) as retries
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(project_id uuid, event_name text, status text,
        bucket int, ended bigint, sum_ms float8, retries bigint)
      group by project_id, event_name, status
    )
    insert into pipeline_counters as c (project_id, event_name, status, outcomes, histogram, duration_sum_ms, retries)
    select project_id, event_name, status, ended, ${wholeHistogram}, sum_ms, retries
    from series s
    where ended > 0 or retries > 0 or not exists (
      select 1 from pipeline_counters o
      where o.project_id = s.project_id and o.event_name = s.event_name and o.status = s.status)
    order by project_id, event_name, status
    on conflict (project_id, event_name, status) do update set
      outcomes = c.outcomes + excluded.outcomes,
      histogram = ${histogramPlusAdded},
      duration_sum_ms = c.duration_sum_ms + excluded.duration_sum_ms,
      retries = c.retries + excluded.retries`);
}

/** Adds what a transaction's network merges added to network_counters. */
export async function addNetworkCounts(tx: Tx, rows: NetworkAdded[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(sql`
    with series as (
      select project_id, host, port, operation, sum(ended) as ended, ${histogramOfAdded} as histogram,
        sum(sum_ms) as sum_ms, sum(bytes_sent) as bytes_sent, sum(bytes_received) as bytes_received
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(project_id uuid, host text, port integer,
        operation text, bucket int, ended bigint, sum_ms float8, bytes_sent bigint, bytes_received bigint)
      group by project_id, host, port, operation
    )
    insert into network_counters as c
      (project_id, host, port, operation, operations, histogram, latency_sum_ms, bytes_sent, bytes_received)
    select project_id, host, port, operation, ended, ${wholeHistogram}, sum_ms, bytes_sent, bytes_received
    from series s
    where ended > 0 or bytes_sent > 0 or bytes_received > 0 or not exists (
      select 1 from network_counters o
      where o.project_id = s.project_id and o.host = s.host and o.port = s.port and o.operation = s.operation)
    order by project_id, host, port, operation
    on conflict (project_id, host, port, operation) do update set
      operations = c.operations + excluded.operations,
      histogram = ${histogramPlusAdded},
      latency_sum_ms = c.latency_sum_ms + excluded.latency_sum_ms,
      bytes_sent = c.bytes_sent + excluded.bytes_sent,
      bytes_received = c.bytes_received + excluded.bytes_received`);
}
