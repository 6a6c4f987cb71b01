import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import postgres from "postgres";
import { openDatabase, type Database } from "@/db";
import { dayOfMs } from "@/db/partitions";
import { ensureDefaultProject } from "@/db/seed";
import { createPartitionsAhead } from "@/lib/storage/maintenance";
import { createScratchDatabase } from "@/db/testing/postgres";
import type { Ctx } from "@/lib/auth/context";
import {
  listSlowEvents,
  listPipelineEvents,
  retryStats,
  PipelineEventsQuery,
  RetryStatsQuery,
  SlowQuery,
} from "@/lib/query/pipeline";
import { listServices, ServicesQuery } from "@/lib/query/services";
import { getTrace, searchTraces, TraceSearchQuery } from "@/lib/query/traces";

// Query latency at volume: 1,000,000 spans (100,000 traces, 10 services, 50 operations),
// 1,000,000 pipeline events and 200,000 network operations over the last 24 hours, in Postgres.

const SPANS = Number(process.env.BENCH_QUERY_SPANS ?? 1_000_000);
const PIPELINE_EVENTS = Number(process.env.BENCH_QUERY_EVENTS ?? 1_000_000);
const NETWORK_OPS = Number(process.env.BENCH_QUERY_NETWORK ?? 200_000);
const SPANS_PER_TRACE = 10;
const DAY_MS = 86_400_000;
const RUNS = 40;

export const SERVICES = Array.from({ length: 10 }, (_, i) => `service-${i}`);
export const OPERATIONS = Array.from({ length: 50 }, (_, i) => `operation-${i}`);
export const EVENT_NAMES = ["resize", "thumbnail", "email", "invoice", "index", "export", "import", "sync"];

const copyText = (v: string | number | null) =>
  v === null ? "\\N" : String(v).replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n");

async function copy(
  sql: postgres.Sql,
  statement: string,
  rows: () => Generator<(string | number | null)[]>,
): Promise<void> {
  const lines = function* () {
    let chunk = "";
    for (const row of rows()) {
      chunk += row.map(copyText).join("\t") + "\n";
      if (chunk.length > 1 << 20) {
        yield chunk;
        chunk = "";
      }
    }
    if (chunk) yield chunk;
  };
  await pipeline(Readable.from(lines()), await sql.unsafe(statement).writable());
}

const isoMicros = (ms: number) => new Date(ms).toISOString();

async function load(sql: postgres.Sql, projectId: string, now: number): Promise<string[]> {
  const traceIds: string[] = [];
  await copy(
    sql,
    `copy spans (project_id, trace_id, span_id, parent_span_id, name, service_name, kind, status_code, start_time_unix_nano,
      end_time_unix_nano, attributes, resource_attributes, events, links) from stdin`,
    function* () {
      for (let t = 0; t < SPANS / SPANS_PER_TRACE; t++) {
        const traceId = randomBytes(16).toString("hex");
        traceIds.push(traceId);
        const startMs = now - Math.random() * DAY_MS;
        const start = BigInt(Math.floor(startMs)) * 1_000_000n;
        const rootDuration = BigInt(Math.floor(1e6 + Math.random() * 2e9)); // 1 ms … 2 s
        const rootId = randomBytes(8).toString("hex");
        for (let s = 0; s < SPANS_PER_TRACE; s++) {
          const spanStart = start + BigInt(s) * 1000n;
          const duration = s === 0 ? rootDuration : rootDuration / 20n;
          const error = Math.random() < 0.02;
          yield [
            projectId,
            traceId,
            s === 0 ? rootId : randomBytes(8).toString("hex"),
            s === 0 ? null : rootId,
            OPERATIONS[(t + s) % OPERATIONS.length]!,
            SERVICES[(t + s) % SERVICES.length]!,
            s === 0 ? "server" : "client",
            error ? "error" : "ok",
            String(spanStart),
            String(spanStart + duration),
            JSON.stringify({ "http.status_code": error ? 500 : 200, "customer.id": `c${t % 1000}` }),
            JSON.stringify({ "service.version": "1.0" }),
            "[]",
            "[]",
          ];
        }
      }
    },
  );
  // trace summaries, as the ingest writer keeps them
  await sql`insert into traces (project_id, trace_id, start_time_unix_nano, end_time_unix_nano, span_count, error_count,
      root_service_name, root_name, services, day)
    select project_id, trace_id, min(start_time_unix_nano), max(end_time_unix_nano), count(*), count(*) filter (where status_code = 'error'),
      (array_agg(service_name) filter (where parent_span_id is null))[1], (array_agg(name) filter (where parent_span_id is null))[1],
      array_agg(distinct service_name order by service_name),
      date '1970-01-01' + (min(start_time_unix_nano) / 86400000000000)::int
    from spans group by project_id, trace_id`;
  await copy(
    sql,
    `copy pipeline_events (project_id, task_id, event_name, start_time, end_time, status, error, retry_count, process_id, attributes, day) from stdin`,
    function* () {
      for (let i = 0; i < PIPELINE_EVENTS; i++) {
        const start = now - Math.random() * DAY_MS;
        const pending = Math.random() < 0.01;
        const failed = !pending && Math.random() < 0.05;
        const duration = Math.random() < 0.1 ? 1000 + Math.random() * 20_000 : Math.random() * 1000;
        yield [
          projectId,
          `task-${i}`,
          EVENT_NAMES[i % EVENT_NAMES.length]!,
          isoMicros(start),
          pending ? null : isoMicros(start + duration),
          pending ? "pending" : failed ? "failed" : "completed",
          failed ? `error ${i % 17}` : null,
          Math.random() < 0.1 ? 1 + (i % 4) : 0,
          1000 + (i % 8),
          "{}",
          dayOfMs(start),
        ];
      }
    },
  );
  await copy(
    sql,
    `copy network_ops (project_id, task_id, host, port, operation, start_time, end_time, bytes_sent, bytes_received, error) from stdin`,
    function* () {
      for (let i = 0; i < NETWORK_OPS; i++) {
        const start = now - Math.random() * DAY_MS;
        yield [
          projectId,
          `task-${i}`,
          `host-${i % 20}`,
          443,
          "remote_call",
          isoMicros(start),
          isoMicros(start + Math.random() * 3000),
          100 + (i % 1000),
          1000 + (i % 5000),
          Math.random() < 0.03 ? "timeout" : null,
        ];
      }
    },
  );
  await sql`vacuum analyze`;
  return traceIds;
}

async function measure(label: string, run: (i: number) => Promise<unknown>, target: number): Promise<void> {
  for (let i = 0; i < 3; i++) await run(i); // warm up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  const p95 = p(0.95);
  console.log(
    `${label.padEnd(44)} p50 ${p(0.5).toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms   (target p95 ≤ ${target} ms${p95 <= target ? "" : ", MISSED"})`,
  );
}

/** The data set loaded at volume: the database (its URL and a pool), a plain connection to it, the project, its clock and trace ids. */
export interface QueryData {
  /** where the scratch database is */
  url: string;
  database: Database;
  sql: postgres.Sql;
  projectId: string;
  now: number;
  traceIds: string[];
}

/** Loads the data set into a scratch database, runs `run` on it, and drops the database. */
export async function withQueryData(name: string, run: (data: QueryData) => Promise<void>): Promise<void> {
  const scratch = await createScratchDatabase(`tracedeck_bench_${name}`);
  const database = openDatabase({ driver: "postgres", url: scratch.url, poolSize: 4 });
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  try {
    await database.migrate();
    await ensureDefaultProject(database.db);
    const [{ id: projectId }] = (await sql`select id from projects where slug = 'default'`) as unknown as [
      { id: string },
    ];
    const now = Date.now();
    await createPartitionsAhead(database, new Date(now - DAY_MS));
    const loadStarted = performance.now();
    const traceIds = await load(sql, projectId, now);
    console.log(
      `loaded ${SPANS.toLocaleString("en")} spans (${traceIds.length.toLocaleString("en")} traces), ${PIPELINE_EVENTS.toLocaleString("en")} pipeline events, ${NETWORK_OPS.toLocaleString("en")} network operations over 24 h in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`,
    );
    await run({ url: scratch.url, database, sql, projectId, now, traceIds });
  } finally {
    await sql.end();
    await database.close();
    await scratch.drop();
  }
}

export function benchQuery(): Promise<void> {
  return withQueryData("query", async ({ database, projectId, now, traceIds }) => {
    const ctx: Ctx = { database, db: database.db, projectId, scopes: ["read"], now: () => new Date(now) };
    const lastHour = { from: String(now - 3_600_000), to: String(now) };
    await measure(
      "trace by id",
      (i) => getTrace({ ctx, input: { trace_id: traceIds[(i * 7919) % traceIds.length]! } }),
      10,
    );
    await measure(
      "trace search (service + min duration, 1 h)",
      (i) =>
        searchTraces({
          ctx,
          input: TraceSearchQuery.parse({
            ...lastHour,
            service: SERVICES[i % SERVICES.length],
            min_duration_ms: "500",
          }),
        }),
      50,
    );
    await measure("services RED (1 h)", () => listServices({ ctx, input: ServicesQuery.parse(lastHour) }), 300);
    await measure(
      "failed events (1 h)",
      () => listPipelineEvents({ ctx, input: PipelineEventsQuery.parse({ ...lastHour, status: "failed" }) }),
      50,
    );
    await measure(
      "slow events > 1 s (1 h)",
      () => listSlowEvents({ ctx, input: SlowQuery.parse({ ...lastHour, threshold_seconds: "1" }) }),
      50,
    );
    await measure("retry stats (1 h)", () => retryStats({ ctx, input: RetryStatsQuery.parse(lastHour) }), 300);
  });
}
