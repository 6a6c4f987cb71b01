import { execFileSync } from "node:child_process";
import http from "node:http";
import postgres from "postgres";
import { openDatabase } from "@/db";
import { addDays, dayOfMs } from "@/db/partitions";
import { dropExpiredPartitions } from "@/lib/storage/maintenance";
import { refreshAllRollups } from "@/lib/storage/rollups";
import { createScratchDatabase } from "@/db/testing/postgres";
import { createKey, startServer, type RunningServer } from "@/e2e/http/server";
import { mulberry32 } from "../demo/random";
import { ensureBuild } from "../next-bin";
import {
  afterLoad,
  beforeLoad,
  chunksOf,
  DAY_MS,
  dayWindows,
  insertOf,
  LOADERS,
  METRIC_NAMES,
  RARE_ATTRIBUTE,
  SERVICES,
  SIGNAL_OF,
  SLOW_EVENT_SECONDS,
  SLOW_TRACE_MS,
  SPREAD_MS,
  traceIdOf,
  volumeAt,
  type Volume,
} from "./scale-data";

// Storage at volume: one Postgres database grows through the sizes of BENCH_SCALE_SIZES (default 1M, then 10M
// spans, with logs, events, pipeline events, network operations and metric points in proportion, over the last
// 7 days), and at each size the production server answers the main queries over HTTP. Tracedeck should answer as
// fast at 10M spans as at 1M: the summary holds each query's p95 against its target and against its 1M figure.

const WARM_UPS = 3;
/**
 * Timed requests per query. The p95 of 40 was the second-slowest answer, so two stalls of this shared machine
 * (a garbage collection, another process) decided a verdict; the p95 of 200 is the tenth-slowest.
 */
const RUNS = 200;
/** no p95 may grow more than this from the first size (1M) to the largest (10M) */
const GROWTH_LIMIT = 1.5;
const HOUR_MS = 3_600_000;

/**
 * Settings for the server: a query that grows slow with the data is measured rather than cut off by the query
 * timeout (30 s by default), and this client waits as long as an answer takes.
 */
const SERVER_ENV: Record<string, string> = { TRACEDECK_QUERY_TIMEOUT_MS: "600000" };

function parseSizes(text: string): number[] {
  const sizes = text.split(",").map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 100) || sizes.some((n, i) => i > 0 && n <= sizes[i - 1]!))
    throw new Error(`BENCH_SCALE_SIZES must be increasing span counts of at least 100, e.g. 1000000,10000000`);
  return sizes;
}

const count = (n: number) => Math.round(n).toLocaleString("en");
const megabytes = (bytes: number) =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
const uptime = () => execFileSync("uptime", { encoding: "utf8" }).trim();

// --- loading ----------------------------------------------------------------------------------------------------

/** Grows the project from `from` to `to` spans: each table's new rows, day by day. */
async function grow(
  sql: postgres.Sql,
  url: string,
  projectId: string,
  clockMs: number,
  from: number,
  to: number,
): Promise<void> {
  const windows = dayWindows(clockMs - SPREAD_MS, clockMs);
  // a trace's spans may run past the clock (its start is before it), so the day after is ready too
  await beforeLoad(sql, new Date(windows[0]!.fromMs), new Date(Math.floor(clockMs / DAY_MS) * DAY_MS + 2 * DAY_MS));
  const [before, after] = [volumeAt(from), volumeAt(to)];
  const started = performance.now();
  let total = 0;
  for (const loader of LOADERS) {
    const tableStarted = performance.now();
    let rows = 0;
    for (const chunk of chunksOf(loader, loader.entities(before), loader.entities(after), windows))
      rows += (await sql.unsafe(insertOf(loader, projectId, chunk))).count;
    const seconds = (performance.now() - tableStarted) / 1000;
    total += rows;
    console.log(
      `  ${loader.table.padEnd(16)} ${count(rows).padStart(12)} rows ${seconds.toFixed(1).padStart(7)} s ${count(rows / Math.max(seconds, 1e-3)).padStart(9)} rows/s`,
    );
  }
  await afterLoad(sql);
  const loadSeconds = (performance.now() - started) / 1000;
  const rollupStarted = performance.now();
  const database = openDatabase({ driver: "postgres", url, poolSize: 1 });
  try {
    const minutes = await refreshAllRollups(database);
    console.log(
      `  rollups: ${count(minutes)} marked minutes computed in ${((performance.now() - rollupStarted) / 1000).toFixed(1)} s`,
    );
  } finally {
    await database.close();
  }
  const vacuumStarted = performance.now();
  await sql`vacuum analyze`;
  const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
  // what the load left unwritten is written now, so that no checkpoint of the load's pages runs while queries are timed
  const checkpointStarted = performance.now();
  await sql`checkpoint`;
  console.log(
    `loaded ${count(from)} → ${count(to)} spans: ${count(total)} rows in ${loadSeconds.toFixed(1)} s (${count(total / loadSeconds)} rows/s), then VACUUM ANALYZE in ${vacuumSeconds.toFixed(1)} s and CHECKPOINT in ${((performance.now() - checkpointStarted) / 1000).toFixed(1)} s`,
  );
}

interface TableStorage {
  table: string;
  signal: string;
  rows: number;
  bytes: number;
}

/** Disk (table, indexes and TOAST, summed over the partitions of a partitioned table) and rows of each table. */
async function storage(sql: postgres.Sql): Promise<TableStorage[]> {
  const tables = await sql<{ table: string; bytes: number }[]>`
    select c.relname as table,
      coalesce((select sum(pg_total_relation_size(p.relid)) from pg_partition_tree(c.oid::regclass) p),
        pg_total_relation_size(c.oid))::float8 as bytes
    from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition
    order by bytes desc, c.relname`;
  const reported: TableStorage[] = [];
  for (const { table, bytes } of tables) {
    // the small tables of accounts, keys and publishers say nothing about volume; rollups and the like do
    if (!SIGNAL_OF[table] && bytes < 1e6) continue;
    const [{ rows }] = (await sql`select count(*)::float8 as rows from ${sql(table)}`) as unknown as [{ rows: number }];
    reported.push({ table, signal: SIGNAL_OF[table] ?? table, rows, bytes });
  }
  return reported;
}

function printStorage(spans: number, tables: TableStorage[]): void {
  console.log(`storage at ${count(spans)} spans:`);
  for (const t of tables)
    console.log(
      `  ${t.signal.padEnd(10)} ${t.table.padEnd(16)} ${count(t.rows).padStart(12)} rows ${megabytes(t.bytes).padStart(10)}`,
    );
  const bySignal = new Map<string, number>();
  for (const t of tables) bySignal.set(t.signal, (bySignal.get(t.signal) ?? 0) + t.bytes);
  const total = tables.reduce((sum, t) => sum + t.bytes, 0);
  console.log(
    `  per signal: ${[...bySignal].map(([signal, bytes]) => `${signal} ${megabytes(bytes)}`).join(", ")}; total ${megabytes(total)}`,
  );
}

// --- queries ----------------------------------------------------------------------------------------------------

/** One request of a query, and whether the data holds anything it should find. */
interface Probe {
  path: string;
  expectData: boolean;
}

interface ProbeContext {
  sql: postgres.Sql;
  projectId: string;
  clockMs: number;
  volume: Volume;
  random: () => number;
}

interface BenchQuery {
  name: string;
  /** the p95 it should keep at 10M spans, ms; without one only the growth limit applies */
  targetMs?: number;
  /** the requests of the runs, taken in turn */
  probes: (c: ProbeContext) => Promise<Probe[]>;
  /** how many items an answer holds */
  items: (answer: unknown) => number;
}

/** The last `ms` before the clock, as the API's from/to (epoch milliseconds). */
const lastMs = (clockMs: number, ms: number) => `from=${clockMs - ms}&to=${clockMs}`;
/** The same range for the SQL that checks what a query should find (timestamptz columns). */
const sinceTimestamp = (clockMs: number, ms: number) => [new Date(clockMs - ms), new Date(clockMs)];
const sinceNanos = (clockMs: number, ms: number) => [
  String(BigInt(clockMs - ms) * 1_000_000n),
  String(BigInt(clockMs) * 1_000_000n),
];

/** The length of the list `field` of an answer; an answer without it is an error. */
function listLength(answer: unknown, field: string): number {
  const list = typeof answer === "object" && answer !== null ? (answer as Record<string, unknown>)[field] : undefined;
  if (!Array.isArray(list))
    throw new Error(`the answer has no list "${field}": ${JSON.stringify(answer).slice(0, 200)}`);
  return list.length;
}

function numberField(answer: unknown, field: string): number {
  const value = typeof answer === "object" && answer !== null ? (answer as Record<string, unknown>)[field] : undefined;
  if (typeof value !== "number") throw new Error(`the answer has no number "${field}"`);
  return value;
}

/** Trace search by service and minimum duration over the last `ms`: one probe per service, in turn. */
function traceSearch(label: string, ms: number): BenchQuery {
  return {
    name: `trace search (service + min duration, ${label})`,
    targetMs: 50,
    probes: async ({ sql, projectId, clockMs }) => {
      const [from, to] = sinceNanos(clockMs, ms);
      const found = await sql<{ service: string; found: boolean }[]>`
        select s as service, exists (select 1 from traces where project_id = ${projectId}
          and start_time_unix_nano between ${from!} and ${to!} and duration_nano >= ${SLOW_TRACE_MS * 1_000_000}
          and s = any(services)) as found
        from unnest(${SERVICES}::text[]) s`;
      return found.map(({ service, found }) => ({
        path: `/api/v1/traces?service=${service}&min_duration_ms=${SLOW_TRACE_MS}&${lastMs(clockMs, ms)}`,
        expectData: found,
      }));
    },
    items: (a) => listLength(a, "traces"),
  };
}

/** RED per service over the last `ms`. */
function servicesRed(label: string, ms: number, targetMs?: number): BenchQuery {
  return {
    name: `services RED (${label})`,
    targetMs,
    probes: async ({ sql, projectId, clockMs }) => {
      const [from, to] = sinceNanos(clockMs, ms);
      const [{ found }] = (await sql`select exists (select 1 from spans where project_id = ${projectId}
        and start_time_unix_nano between ${from!} and ${to!}) as found`) as unknown as [{ found: boolean }];
      return [{ path: `/api/v1/services?${lastMs(clockMs, ms)}`, expectData: found }];
    },
    items: (a) => listLength(a, "services"),
  };
}

/** Whether any pipeline event of the last `ms` matches `where` (a fragment over pipeline_events). */
async function eventsExist(c: ProbeContext, ms: number, where: postgres.Fragment): Promise<boolean> {
  const [from, to] = sinceTimestamp(c.clockMs, ms);
  const [{ found }] = (await c.sql`select exists (select 1 from pipeline_events where project_id = ${c.projectId}
    and start_time between ${from!} and ${to!} and ${where}) as found`) as unknown as [{ found: boolean }];
  return found;
}

const QUERIES: BenchQuery[] = [
  {
    name: "trace by id",
    targetMs: 10,
    probes: ({ volume, random }) =>
      Promise.resolve(
        Array.from({ length: WARM_UPS + RUNS }, () => ({
          path: `/api/v1/traces/${traceIdOf(Math.floor(random() * volume.traces))}`,
          expectData: true,
        })),
      ),
    items: (a) => listLength(a, "spans"),
  },
  traceSearch("1 h", HOUR_MS),
  traceSearch("24 h", DAY_MS),
  {
    name: `rare attribute search (${RARE_ATTRIBUTE}, 24 h)`,
    targetMs: 300,
    probes: async ({ sql, projectId, clockMs }) => {
      // values the last day holds, so every search has something to find
      const [from, to] = sinceNanos(clockMs, DAY_MS);
      const values = await sql<{ value: string }[]>`
        select distinct attributes ->> ${RARE_ATTRIBUTE} as value from spans
        where project_id = ${projectId} and start_time_unix_nano between ${from!} and ${to!} and attributes ? ${RARE_ATTRIBUTE}
        limit ${WARM_UPS + RUNS}`;
      const probe = (value: string, expectData: boolean) => ({
        path: `/api/v1/traces?attr=${encodeURIComponent(`${RARE_ATTRIBUTE}:${value}`)}&${lastMs(clockMs, DAY_MS)}`,
        expectData,
      });
      return values.length ? values.map((v) => probe(v.value, true)) : [probe("cust-0", false)];
    },
    items: (a) => listLength(a, "traces"),
  },
  servicesRed("1 h", HOUR_MS),
  servicesRed("7 d", 7 * DAY_MS, 300),
  {
    name: "failed events (24 h)",
    targetMs: 50,
    probes: async (c) => [
      {
        path: `/api/v1/pipeline/events?status=failed&${lastMs(c.clockMs, DAY_MS)}`,
        expectData: await eventsExist(c, DAY_MS, c.sql`status = 'failed'`),
      },
    ],
    items: (a) => listLength(a, "events"),
  },
  {
    name: `slow events (> ${SLOW_EVENT_SECONDS} s, 24 h)`,
    targetMs: 50,
    probes: async (c) => [
      {
        path: `/api/v1/pipeline/events/slow?threshold_seconds=${SLOW_EVENT_SECONDS}&${lastMs(c.clockMs, DAY_MS)}`,
        expectData: await eventsExist(c, DAY_MS, c.sql`duration_ms > ${SLOW_EVENT_SECONDS * 1000}`),
      },
    ],
    items: (a) => listLength(a, "events"),
  },
  {
    name: "retry stats (7 d)",
    targetMs: 300,
    probes: async (c) => [
      {
        path: `/api/v1/pipeline/retry-stats?${lastMs(c.clockMs, 7 * DAY_MS)}`,
        expectData: await eventsExist(c, 7 * DAY_MS, c.sql`true`),
      },
    ],
    items: (a) => numberField(a, "total_events"),
  },
  {
    // one series per request (a service's host), whose 8,640 points a day are there at every size
    name: `metrics query (${METRIC_NAMES[0]} avg, 24 h)`,
    targetMs: 300,
    probes: async ({ sql, projectId, clockMs }) => {
      const series = await sql<{ service: string; host: string }[]>`
        select tags ->> 'service' as service, tags ->> 'host' as host from metric_series
        where project_id = ${projectId} and name = ${METRIC_NAMES[0]!} order by id`;
      const path = (service: string, host: string) =>
        `/api/v1/metrics/query?name=${METRIC_NAMES[0]}&agg=avg&tag=service:${service}&tag=host:${host}&${lastMs(clockMs, DAY_MS)}`;
      return series.length
        ? series.map((s) => ({ path: path(s.service, s.host), expectData: true }))
        : [{ path: path(SERVICES[0]!, "host-0"), expectData: false }];
    },
    items: (a) => {
      listLength(a, "series");
      return (a as { series: { points: unknown[] }[] }).series.reduce((n, s) => n + s.points.length, 0);
    },
  },
];

/** A GET with the key, over one kept-alive connection: the time is until the whole body has arrived. */
function get(agent: http.Agent, url: URL, key: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: url.hostname, port: url.port, path, agent, headers: { authorization: `Bearer ${key}` } },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
  });
}

interface Timing {
  p50: number;
  p95: number;
  p99: number;
}

/** The warm-ups, then the timed runs over the probes in turn; every answer must be a 200 with data where there is some. */
async function measure(
  query: BenchQuery,
  probes: Probe[],
  send: (path: string) => Promise<{ status: number; body: string }>,
): Promise<Timing> {
  const times: number[] = [];
  const found: number[] = [];
  for (let i = 0; i < WARM_UPS + RUNS; i++) {
    const probe = probes[i % probes.length]!;
    const started = performance.now();
    const { status, body } = await send(probe.path);
    const ms = performance.now() - started;
    if (status !== 200) throw new Error(`${query.name}: GET ${probe.path} answered ${status}: ${body.slice(0, 500)}`);
    const items = query.items(JSON.parse(body) as unknown);
    if (items === 0 && probe.expectData)
      throw new Error(`${query.name}: GET ${probe.path} answered nothing, though the data holds matches`);
    if (i >= WARM_UPS) {
      times.push(ms);
      found.push(items);
    }
  }
  times.sort((a, b) => a - b);
  found.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  const timing = { p50: p(0.5), p95: p(0.95), p99: p(0.99) };
  const noData =
    found.at(-1) === 0 && probes.every((probe) => !probe.expectData) ? " (nothing in range at this size)" : "";
  console.log(
    `  ${query.name.padEnd(48)} p50 ${timing.p50.toFixed(1).padStart(8)} ms   p95 ${timing.p95.toFixed(1).padStart(8)} ms   p99 ${timing.p99.toFixed(1).padStart(8)} ms   items ${count(found[0]!)}…${count(found.at(-1)!)}${noData}`,
  );
  return timing;
}

async function measureAll(
  server: RunningServer,
  key: string,
  context: Omit<ProbeContext, "random">,
): Promise<Map<string, Timing>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(server.url);
  const send = (path: string) => get(agent, url, key, path);
  const timings = new Map<string, Timing>();
  try {
    // what any answer costs here (routing, the key, a database round trip), to read the figures below against
    await measure(
      { name: "floor: GET /api/v1/health", probes: () => Promise.resolve([]), items: () => 1 },
      [{ path: "/api/v1/health", expectData: false }],
      send,
    );
    for (const query of QUERIES) {
      const probes = await query.probes({
        ...context, // seeded: the same trace ids are asked for on every run of the benchmark
        random: mulberry32(context.volume.traces),
      });
      try {
        timings.set(query.name, await measure(query, probes, send));
      } catch (error) {
        const log = server.output().trim().split("\n").slice(-20).join("\n");
        throw new Error(`${(error as Error).message}\nthe server's last lines:\n${log}`);
      }
    }
  } finally {
    agent.destroy();
  }
  return timings;
}

// --- the summary ------------------------------------------------------------------------------------------------

function printSummary(results: { spans: number; timings: Map<string, Timing> }[]): void {
  const first = results[0]!;
  const last = results.at(-1)!;
  const growth = results.length > 1;
  console.log(
    `\nsummary: p95 per size; targets hold at 10M spans${last.spans === 10_000_000 ? "" : ` (judged here at ${count(last.spans)})`}` +
      (growth ? `, and no p95 may grow past ${GROWTH_LIMIT}× from ${count(first.spans)} to ${count(last.spans)}` : ""),
  );
  const sizeColumns = results.map((r) => `p95 @ ${count(r.spans)}`.padStart(16));
  console.log(
    `  ${"query".padEnd(48)} ${sizeColumns.join(" ")} ${"growth".padStart(8)} ${"target".padStart(10)}  verdict`,
  );
  let failed = 0;
  for (const query of QUERIES) {
    const p95s = results.map((r) => r.timings.get(query.name)!.p95);
    const ratio = p95s.at(-1)! / p95s[0]!;
    const problems = [
      query.targetMs !== undefined && p95s.at(-1)! > query.targetMs ? "over target" : "",
      growth && ratio > GROWTH_LIMIT ? `grew ${ratio.toFixed(1)}×` : "",
    ].filter(Boolean);
    if (problems.length) failed++;
    console.log(
      `  ${query.name.padEnd(48)} ${p95s.map((p) => `${p.toFixed(1)} ms`.padStart(16)).join(" ")} ${(growth ? `${ratio.toFixed(2)}×` : "—").padStart(8)} ${(query.targetMs === undefined ? "—" : `≤ ${query.targetMs} ms`).padStart(10)}  ${problems.length ? `FAIL (${problems.join(", ")})` : "pass"}`,
    );
  }
  console.log(`  ${QUERIES.length - failed} of ${QUERIES.length} queries pass`);
}

/**
 * A retention pass on the loaded database: with every signal kept 6 days, the oldest day of data (7 days back)
 * expires. Times the pass as the server runs it: listing, the advisory lock and the drops, in one transaction.
 */
async function retentionPass(url: string, sql: postgres.Sql, clockMs: number): Promise<void> {
  const expiring = addDays(dayOfMs(clockMs), -7).replace(/-/g, "");
  const [{ rows }] = (await sql`select coalesce(sum(c.reltuples), 0)::float8 as rows from pg_class c
      where c.relname like ${`%_p${expiring}`} and c.relkind = 'r'`) as unknown as [{ rows: number }];
  await sql`insert into retention_settings (signal, days)
    select s, 6 from unnest(${["traces", "logs", "events", "metrics", "pipeline"]}::text[]) as s
    on conflict (signal) do update set days = excluded.days`;
  const database = openDatabase({ driver: "postgres", url, poolSize: 1 });
  try {
    const started = performance.now();
    const { ran, dropped } = await dropExpiredPartitions(database, new Date(clockMs));
    const ms = performance.now() - started;
    console.log(
      `\nretention pass (keep 6 days): ${ran ? `dropped ${dropped.length} partitions of ${expiring} (${count(Math.round(rows))} rows) in ${ms.toFixed(0)} ms` : "another node held the lock"} (load: ${uptime()})`,
    );
  } finally {
    await database.close();
  }
}

export async function benchScale(): Promise<void> {
  const sizes = parseSizes(process.env.BENCH_SCALE_SIZES ?? "1000000,10000000");
  console.log(`load at start: ${uptime()}`);
  await ensureBuild();
  const scratch = await createScratchDatabase("tracedeck_bench_scale");
  // the server migrates the database and creates the default project before it reports ready
  const server = await startServer({ databaseUrl: scratch.url, checkAnswers: false, env: SERVER_ENV });
  // JIT compiling the loaders' wide expressions takes longer than running them on a day of rows
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {}, connection: { jit: "off" } });
  try {
    const key = await createKey(server.env, "read");
    const [{ id: projectId }] = (await sql`select id from projects where slug = 'default'`) as unknown as [
      { id: string },
    ];
    // one clock for the whole run: the data lies in the 7 days before it and every query asks about ranges ending there
    const clockMs = Math.floor(Date.now() / 60_000) * 60_000;
    console.log(
      `sizes ${sizes.map(count).join(", ")} spans over the 7 days before ${new Date(clockMs).toISOString()}, Postgres; ${WARM_UPS} warm-ups and ${RUNS} runs per query`,
    );
    const results: { spans: number; timings: Map<string, Timing> }[] = [];
    let loaded = 0;
    for (const spans of sizes) {
      const v = volumeAt(spans);
      console.log(
        `\n== ${count(spans)} spans: ${count(v.traces)} traces, a log line per span, ${count(v.events)} events, ${count(v.tasks)} pipeline events, ${count(v.networkOps)} network operations, ${count(v.metricSeries)} metric series at 10 s`,
      );
      await grow(sql, scratch.url, projectId, clockMs, loaded, spans);
      loaded = spans;
      printStorage(spans, await storage(sql));
      console.log(`queries at ${count(spans)} spans (load: ${uptime()}):`);
      results.push({ spans, timings: await measureAll(server, key, { sql, projectId, clockMs, volume: v }) });
    }
    printSummary(results);
    await retentionPass(scratch.url, sql, clockMs);
  } finally {
    await sql.end();
    await server.stop();
    // BENCH_SCALE_KEEP=1 leaves the database for a closer look at a query (drop it when done)
    if (process.env.BENCH_SCALE_KEEP) console.log(`kept the database: ${scratch.url}`);
    else await scratch.drop();
  }
  console.log(`load at end: ${uptime()}`);
}
