import { createHash } from "node:crypto";
import type postgres from "postgres";
import { dayOfMs, daysBetween, PARTITIONED_TABLES } from "@/db/partitions";

// The data of the scale benchmark: what one project holds at N spans, spread over the last 7 days, written by the
// database itself (INSERT … SELECT … FROM generate_series) so that ten million spans load in minutes and the
// loading process's memory stays flat.
//
// Every row is a function of an entity's index (a trace, a task, a metric series) and the window of time it is
// placed in: growing a database from N to M spans writes the entities [volume(N), volume(M)), and the rows of one
// trace (its spans, its summary, its logs) come out of the same expressions, so they agree with each other.

export const DAY_MS = 86_400_000;
/** the data covers the 7 days before the benchmark's clock */
export const SPREAD_MS = 7 * DAY_MS;
/** the most rows one INSERT writes: a day of 10M spans is about 1.4M of them */
const MAX_CHUNK_ROWS = 1_000_000;

export const SERVICES = [
  "gateway",
  "auth",
  "orders",
  "payments",
  "inventory",
  "search",
  "users",
  "notifications",
  "shipping",
  "catalog",
];
/** 5 per service, 50 in all; a service's operation i is OPERATIONS[service * 5 + i] */
const OPERATIONS = SERVICES.flatMap((s) => [
  `GET /${s}`,
  `GET /${s}/{id}`,
  `POST /${s}`,
  `PUT /${s}/{id}`,
  `${s}.process`,
]);
const EVENT_NAMES = ["resize", "thumbnail", "email", "invoice", "index", "export", "import", "sync"];
const TASK_ERRORS = [
  "timeout after 30 s",
  "connection refused",
  "out of memory",
  "invalid input",
  "upstream 502",
  "rate limited",
  "disk full",
  "permission denied",
  "checksum mismatch",
  "deadlock detected",
  "not found",
  "cancelled",
];
/** one gauge per series; series s is METRIC_NAMES[s % 3] of SERVICES[(s / 3) % 10] on host-(s / 30) */
export const METRIC_NAMES = ["system.cpu.utilization", "process.memory.usage", "queue.depth"];
const METRIC_UNITS = ["1", "By", "{item}"];
const METRIC_STEP_MS = 10_000;

/** A rare span attribute: on the root span of 1% of traces, with 1,000 values, so each value is on few traces. */
export const RARE_ATTRIBUTE = "customer.id";
/** Traces of at least this duration: about 7% of them. */
export const SLOW_TRACE_MS = 200;
/** Pipeline events slower than this: the 2% slow tail. */
export const SLOW_EVENT_SECONDS = 5;

/** How many entities a project of `spans` spans holds. */
export interface Volume {
  /** 2 to 18 spans each (10 on average); every span writes one log line */
  traces: number;
  /** standalone events, 1 per 100 spans */
  events: number;
  /** 1 per 5 spans: 3% failed, 0.5% still pending, 6% retried, 2% slow */
  tasks: number;
  /** 1 per 20 spans */
  networkOps: number;
  /** 300 at 10M spans (3 metrics × 10 services × 10 hosts), at least 1; a point every 10 s in each */
  metricSeries: number;
}

export function volumeAt(spans: number): Volume {
  return {
    traces: Math.round(spans / 10),
    events: Math.round(spans / 100),
    tasks: Math.round(spans / 5),
    networkOps: Math.round(spans / 20),
    metricSeries: spans > 0 ? Math.max(1, Math.round((spans * 300) / 10_000_000)) : 0,
  };
}

/**
 * Trace `index`'s id, as the loaders write it (md5 of `trace:<index>`, 32 hex digits): the benchmark asks for
 * any trace there is without reading ids back.
 */
export const traceIdOf = (index: number) => createHash("md5").update(`trace:${index}`).digest("hex");
const traceIdSql = (k: string) => `md5('trace:' || (${k}))`;

/** One INSERT: the entities [first, end), placed in the window [fromMs, toMs). */
export interface Chunk {
  fromMs: number;
  toMs: number;
  first: number;
  end: number;
  /** the entities placed evenly over the window, of which [first, end) is a part */
  placed: { first: number; end: number };
}

/**
 * How a table is loaded: the entity it counts, how its rows spread over time, and the SELECT that makes them.
 * - `shared`: the new entities are shared out over the days (a trace is in one day);
 * - `every`: each new entity writes rows in every day (a metric series' points);
 * - `once`: the new entities are written once, outside time (the metric series themselves).
 */
export interface Loader {
  /** the table rows are inserted through: the parent, once it is partitioned */
  table: string;
  entities: (volume: Volume) => number;
  spread: "shared" | "every" | "once";
  /** about how many rows one entity writes in a window of this many ms */
  rowsPerEntity: (windowMs: number) => number;
  /** the column list and each column's expression, in one place; `from` is the FROM clause they read */
  rows: (projectId: string, chunk: Chunk) => { columns: Record<string, string>; from: string };
}

// --- expressions ------------------------------------------------------------------------------------------------

/** A uniform number in [0, 1) from an integer expression and a salt: the same every time for the same entity. */
const uniform = (key: string, salt: number) =>
  `((hashint8extended((${key})::bigint, ${salt}) & 9007199254740991)::float8 / 9007199254740992)`;

/** -ln(1 - u), capped at `cap`: an exponential draw for durations with a long tail. */
const exponential = (key: string, salt: number, cap: number) => `least(-ln(1 - ${uniform(key, salt)}), ${cap})`;

const textArray = (values: string[]) => `array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ")}]`;
/** element i (a 0-based integer expression) of a list of strings */
const pick = (values: string[], index: string) => `(${textArray(values)})[(${index}) + 1]`;

/** An integer the SQL text may carry as it is: every value the loaders put in their SQL comes from this file. */
function int(n: number | bigint): string {
  if (typeof n === "number" && !Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
}
const isoLiteral = (ms: number) => `'${new Date(ms).toISOString()}'::timestamptz`;

/** The time of entity `k` in a chunk's window: evenly spaced, with jitter, so a day's rows arrive in time order. */
function placedTimestamp(c: Chunk, k: string, salt: number): string {
  const spacingMs = (c.toMs - c.fromMs) / (c.placed.end - c.placed.first);
  return `${isoLiteral(c.fromMs)} + ((${k}) - ${int(c.placed.first)} + ${uniform(k, salt)}) * interval '${spacingMs.toFixed(6)} milliseconds'`;
}
function placedNanos(c: Chunk, k: string, salt: number): string {
  const spacingNs = ((c.toMs - c.fromMs) * 1e6) / (c.placed.end - c.placed.first);
  return `${int(BigInt(c.fromMs) * 1_000_000n)}::bigint + floor(((${k}) - ${int(c.placed.first)} + ${uniform(k, salt)}) * ${spacingNs})::bigint`;
}

/** Span `s` of trace `k`: 16 hex digits. */
const spanIdOf = (k: string, s: string) => `lpad(to_hex(hashint8extended((${k})::bigint * 32 + (${s}), 11)), 16, '0')`;

/**
 * The traces of a chunk, one row each: its id, start, duration (median 16 ms, p95 0.3 s, 1% take 1 … 30 s), how
 * many spans it has, whether it failed (1%), its root service and operation, and its customer (1% have one).
 */
function traceShape(c: Chunk): string {
  return `(select k, ${traceIdSql("k")} as trace_id,
      ${placedNanos(c, "k", 1)} as start_ns,
      (case when ${uniform("k", 2)} < 0.01 then 1000 + 29000 * ${uniform("k", 3)}
            else 2 + 30 * power(${exponential("k", 4, 7)}, 2) end * 1e6)::bigint as duration_ns,
      2 + floor(${uniform("k", 5)} * 17)::int as span_count,
      ${uniform("k", 6)} < 0.01 as failed,
      floor(${uniform("k", 7)} * 10)::int as root_service,
      floor(${uniform("k", 8)} * 5)::int as root_route,
      case when ${uniform("k", 9)} < 0.01 then 'cust-' || floor(${uniform("k", 10)} * 1000)::int end as customer
    from generate_series(${int(c.first)}, ${int(c.end - 1)}) k
    -- computed once per trace, not again for each of its spans
    offset 0) tr`;
}

/**
 * The spans of a chunk's traces: span 0 is the root (a server span), span s has parent (s - 1) / 3 and runs inside
 * the root's time; a trace's spans touch up to 4 services; a failed trace's root and last span are errors.
 */
function spanShape(c: Chunk): string {
  const key = "tr.k::bigint * 32 + s";
  return `${traceShape(c)}
    cross join lateral generate_series(0, tr.span_count - 1) s
    cross join lateral (select (tr.root_service + s % 4) % 10 as service, (tr.root_route + s) % 5 as route,
        tr.failed and (s = 0 or s = tr.span_count - 1) as failed,
        case when s = 0 then 0 else floor(tr.duration_ns * 0.5 * ${uniform(key, 12)})::bigint end as offset_ns,
        case when s = 0 then tr.duration_ns else floor(tr.duration_ns * 0.5 * ${uniform(key, 13)})::bigint end as length_ns
      ) sp`;
}

/** element i of a list of JSON objects: a constant array, so a row costs a lookup rather than a jsonb build */
const pickJson = (values: object[], index: string) =>
  `(array[${values.map((v) => `'${JSON.stringify(v).replace(/'/g, "''")}'`).join(", ")}]::jsonb[])[(${index}) + 1]`;

const HOSTS_PER_SERVICE = 8;
/** a span's or log line's resource: its service on one of 8 hosts */
const resourceOf = (service: string, host: string) =>
  pickJson(
    SERVICES.flatMap((name) =>
      Array.from({ length: HOSTS_PER_SERVICE }, (_, h) => ({
        "service.name": name,
        "service.version": "1.4.2",
        "host.name": `${name}-${h}`,
      })),
    ),
    `(${service}) * ${HOSTS_PER_SERVICE} + (${host}) % ${HOSTS_PER_SERVICE}`,
  );
/** a span's attributes: its route, and the status its failure answered */
const spanAttributesOf = (operation: string, failed: string) =>
  pickJson(
    OPERATIONS.flatMap((route) =>
      [200, 500].map((status) => ({ "http.route": route, "http.status_code": status, "net.peer.port": 8080 })),
    ),
    `(${operation}) * 2 + (${failed})::int`,
  );

// --- loaders ----------------------------------------------------------------------------------------------------

const spans: Loader = {
  table: "spans",
  entities: (v) => v.traces,
  spread: "shared",
  rowsPerEntity: () => 10,
  rows: (projectId, c) => ({
    from: spanShape(c),
    columns: {
      project_id: `'${projectId}'`,
      trace_id: "tr.trace_id",
      span_id: spanIdOf("tr.k", "s"),
      parent_span_id: `case when s = 0 then null else ${spanIdOf("tr.k", "(s - 1) / 3")} end`,
      name: pick(OPERATIONS, "sp.service * 5 + sp.route"),
      service_name: pick(SERVICES, "sp.service"),
      kind: "case when s = 0 or s % 2 = 0 then 'server' else 'client' end",
      status_code: "case when sp.failed then 'error' else 'unset' end",
      status_message: "case when sp.failed then 'upstream timed out' end",
      start_time_unix_nano: "tr.start_ns + sp.offset_ns",
      end_time_unix_nano: "tr.start_ns + sp.offset_ns + sp.length_ns",
      attributes: `${spanAttributesOf("sp.service * 5 + sp.route", "sp.failed")}
        || case when s = 0 and tr.customer is not null then jsonb_build_object('${RARE_ATTRIBUTE}', tr.customer)
                else '{}'::jsonb end`,
      resource_attributes: resourceOf("sp.service", "tr.k + s"),
      events: "'[]'::jsonb",
      links: "'[]'::jsonb",
    },
  }),
};

/** A trace's summary, as the ingest writer keeps it: computed from the same expressions as its spans. */
const traces: Loader = {
  table: "traces",
  entities: (v) => v.traces,
  spread: "shared",
  rowsPerEntity: () => 1,
  rows: (projectId, c) => ({
    from: traceShape(c),
    columns: {
      project_id: `'${projectId}'`,
      trace_id: "tr.trace_id",
      start_time_unix_nano: "tr.start_ns",
      // the root span runs longest: every other span ends inside it
      end_time_unix_nano: "tr.start_ns + tr.duration_ns",
      span_count: "tr.span_count",
      error_count: "case when tr.failed then least(tr.span_count, 2) else 0 end",
      root_service_name: pick(SERVICES, "tr.root_service"),
      root_name: pick(OPERATIONS, "tr.root_service * 5 + tr.root_route"),
      services: `array(select distinct ${pick(SERVICES, "(tr.root_service + j) % 10")}
          from generate_series(0, least(tr.span_count, 4) - 1) j order by 1)`,
      // the partition day: that of its first span, as the writer places it
      day: "(date '1970-01-01' + (tr.start_ns / 86400000000000)::int)",
    },
  }),
};

/** One log line per span, at its start, carrying its trace and span ids: ERROR on failed spans, 5% WARN. */
const logs: Loader = {
  table: "logs",
  entities: (v) => v.traces,
  spread: "shared",
  rowsPerEntity: () => 10,
  rows: (projectId, c) => ({
    from: `${spanShape(c)}
      cross join lateral (select case when sp.failed then 17 when ${uniform("tr.k::bigint * 32 + s", 14)} < 0.05 then 13
        else 9 end as severity) lg`,
    columns: {
      project_id: `'${projectId}'`,
      time_unix_nano: "tr.start_ns + sp.offset_ns",
      observed_time_unix_nano: "tr.start_ns + sp.offset_ns + 2000000",
      severity_number: "lg.severity",
      severity_text: "case lg.severity when 17 then 'ERROR' when 13 then 'WARN' else 'INFO' end",
      body: `to_jsonb(${pick(OPERATIONS, "sp.service * 5 + sp.route")} || case when sp.failed then ' failed: upstream timed out'
        else ' handled in ' || round(sp.length_ns / 1e6, 1) || ' ms' end)`,
      service_name: pick(SERVICES, "sp.service"),
      trace_id: "tr.trace_id",
      span_id: spanIdOf("tr.k", "s"),
      attributes: pickJson(
        [0, 1, 2, 3].map((w) => ({ thread: `worker-${w}` })),
        "s % 4",
      ),
      resource_attributes: resourceOf("sp.service", "tr.k + s"),
    },
  }),
};

const events: Loader = {
  table: "events",
  entities: (v) => v.events,
  spread: "shared",
  rowsPerEntity: () => 1,
  rows: (projectId, c) => ({
    from: `generate_series(${int(c.first)}, ${int(c.end - 1)}) k`,
    columns: {
      project_id: `'${projectId}'`,
      name: pick(["deploy", "config.reload", "cache.flush", "user.signup", "feature.toggle", "alert.fired"], "k % 6"),
      time: placedTimestamp(c, "k", 41),
      service_name: pick(SERVICES, `floor(${uniform("k", 42)} * 10)::int`),
      attributes: "jsonb_build_object('version', '1.4.' || k % 20)",
    },
  }),
};

/**
 * Task executions: most take 10 ms … 1.4 s, 2% take 5 … 120 s; 3% failed (retried 1–3 times), 0.5% still pending,
 * 6% of the completed ones were retried once or twice.
 */
const pipelineEvents: Loader = {
  table: "pipeline_events",
  entities: (v) => v.tasks,
  spread: "shared",
  rowsPerEntity: () => 1,
  rows: (projectId, c) => ({
    from: `generate_series(${int(c.first)}, ${int(c.end - 1)}) k
      cross join lateral (select ${placedTimestamp(c, "k", 21)} as start_time,
        case when ${uniform("k", 22)} < 0.005 then 'pending' when ${uniform("k", 22)} < 0.035 then 'failed'
          else 'completed' end as status,
        case when ${uniform("k", 23)} < 0.02 then 5000 + 115000 * ${uniform("k", 24)}
          else 10 + 200 * ${exponential("k", 25, 7)} end as duration_ms) pe`,
    columns: {
      project_id: `'${projectId}'`,
      task_id: "'task-' || k",
      event_name: pick(EVENT_NAMES, `floor(${uniform("k", 26)} * ${EVENT_NAMES.length})::int`),
      start_time: "pe.start_time",
      end_time:
        "case when pe.status = 'pending' then null else pe.start_time + pe.duration_ms * interval '1 millisecond' end",
      status: "pe.status",
      error: `case when pe.status = 'failed' then ${pick(TASK_ERRORS, `floor(${uniform("k", 27)} * ${TASK_ERRORS.length})::int`)} end`,
      retry_count: `case when pe.status = 'failed' then 1 + floor(${uniform("k", 28)} * 3)::int
        when ${uniform("k", 29)} < 0.06 then 1 + floor(${uniform("k", 30)} * 2)::int else 0 end`,
      process_id: "1000 + k % 16",
      day: "(pe.start_time at time zone 'UTC')::date",
      attributes: `jsonb_build_object('queue', ${pick(["default", "priority", "bulk"], "k % 3")})`,
      updated_at:
        "case when pe.status = 'pending' then pe.start_time else pe.start_time + pe.duration_ms * interval '1 millisecond' end",
    },
  }),
};

/** Remote calls of the tasks to 20 hosts: 1 … 400 ms, 1% take 2 … 30 s, 2% fail. */
const networkOps: Loader = {
  table: "network_ops",
  entities: (v) => v.networkOps,
  spread: "shared",
  rowsPerEntity: () => 1,
  rows: (projectId, c) => ({
    from: `generate_series(${int(c.first)}, ${int(c.end - 1)}) k
      cross join lateral (select floor(${uniform("k", 31)} * 20)::int as host, ${placedTimestamp(c, "k", 32)} as start_time,
        case when ${uniform("k", 33)} < 0.01 then 2000 + 28000 * ${uniform("k", 34)}
          else 1 + 50 * power(${exponential("k", 35, 2.8)}, 2) end as latency_ms) op`,
    columns: {
      project_id: `'${projectId}'`,
      task_id: "'task-' || k * 4",
      host: "'host-' || op.host || '.internal'",
      port: "(array[443, 5432, 6379, 9200])[op.host % 4 + 1]",
      operation: pick(["http.request", "db.query", "cache.get", "search.query"], "op.host % 4"),
      start_time: "op.start_time",
      end_time: "op.start_time + op.latency_ms * interval '1 millisecond'",
      bytes_sent: `200 + floor(${uniform("k", 36)} * 4000)::int`,
      bytes_received: `500 + floor(${uniform("k", 37)} * 64000)::int`,
      error: `case when ${uniform("k", 38)} < 0.02 then ${pick(["timeout", "connection reset"], "k % 2")} end`,
    },
  }),
};

/** The hash that names series `s`, as the writer's hex SHA-256 does: the points loader finds its series by it. */
const seriesHashOf = (s: string) => `encode(sha256(convert_to('scale-series:' || (${s}), 'UTF8')), 'hex')`;

const metricSeries: Loader = {
  table: "metric_series",
  entities: (v) => v.metricSeries,
  spread: "once",
  rowsPerEntity: () => 1,
  rows: (projectId, c) => ({
    from: `generate_series(${int(c.first)}, ${int(c.end - 1)}) s`,
    columns: {
      project_id: `'${projectId}'`,
      name: pick(METRIC_NAMES, "s % 3"),
      type: "'gauge'",
      unit: pick(METRIC_UNITS, "s % 3"),
      service_name: pick(SERVICES, "(s / 3) % 10"),
      tags: `jsonb_build_object('service', ${pick(SERVICES, "(s / 3) % 10")}, 'host', 'host-' || s / 30)`,
      resource_attributes: `jsonb_build_object('service.name', ${pick(SERVICES, "(s / 3) % 10")})`,
      series_hash: seriesHashOf("s"),
    },
  }),
};

/** A point every 10 s of every series: CPU and memory follow the day with noise, queue depths are bursty. */
const metricPoints: Loader = {
  table: "metric_points",
  entities: (v) => v.metricSeries,
  spread: "every",
  rowsPerEntity: (windowMs) => Math.ceil(windowMs / METRIC_STEP_MS),
  rows: (projectId, c) => {
    const firstPoint = Math.ceil(c.fromMs / METRIC_STEP_MS) * METRIC_STEP_MS;
    const noise = (salt: number) =>
      uniform(`s::bigint * 1000000000 + (extract(epoch from t) / ${METRIC_STEP_MS / 1000})::bigint`, salt);
    const daily = "sin(2 * pi() * extract(epoch from t) / 86400 + s)";
    return {
      from: `generate_series(${int(c.first)}, ${int(c.end - 1)}) s
        join metric_series ms on ms.project_id = '${projectId}' and ms.series_hash = ${seriesHashOf("s")}
        cross join generate_series(${isoLiteral(firstPoint)}, ${isoLiteral(c.toMs - 1)}, interval '${METRIC_STEP_MS} milliseconds') t`,
      columns: {
        project_id: "ms.project_id",
        series_id: "ms.id",
        time: "t",
        value: `case s % 3 when 0 then 0.35 + 0.25 * ${daily} + 0.1 * ${noise(51)}
          when 1 then 2e8 + 5e7 * ${daily} + 1e7 * ${noise(51)}
          else floor(40 * power(${noise(51)}, 3)) end`,
      },
    };
  },
};

/** In load order: a series before its points. */
export const LOADERS: Loader[] = [spans, traces, logs, events, pipelineEvents, networkOps, metricSeries, metricPoints];

/** Which signal each telemetry table holds, for the disk report; tables not named here are reported by name. */
export const SIGNAL_OF: Record<string, string> = {
  spans: "traces",
  traces: "traces",
  logs: "logs",
  events: "events",
  metric_series: "metrics",
  metric_points: "metrics",
  pipeline_events: "pipeline",
  network_ops: "network",
};

// --- planning ---------------------------------------------------------------------------------------------------

/** The UTC days that [fromMs, toMs) touches, each cut to the range: one window per daily partition. */
export function dayWindows(fromMs: number, toMs: number): { fromMs: number; toMs: number }[] {
  const windows: { fromMs: number; toMs: number }[] = [];
  for (let day = Math.floor(fromMs / DAY_MS) * DAY_MS; day < toMs; day += DAY_MS)
    windows.push({ fromMs: Math.max(day, fromMs), toMs: Math.min(day + DAY_MS, toMs) });
  return windows;
}

/** Cuts [first, end) into parts of at most `size` entities. */
function parts(first: number, end: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = first; a < end; a += size) out.push([a, Math.min(end, a + size)]);
  return out;
}

/** The INSERTs that grow a loader's table from the entities [first, end) over the windows. */
export function chunksOf(
  loader: Loader,
  first: number,
  end: number,
  windows: { fromMs: number; toMs: number }[],
): Chunk[] {
  if (end <= first) return [];
  const all = { fromMs: windows[0]!.fromMs, toMs: windows.at(-1)!.toMs };
  const perPart = (w: { fromMs: number; toMs: number }) =>
    Math.max(1, Math.floor(MAX_CHUNK_ROWS / Math.max(1, loader.rowsPerEntity(w.toMs - w.fromMs))));
  const cut = (w: { fromMs: number; toMs: number }, a: number, b: number): Chunk[] =>
    parts(a, b, perPart(w)).map(([p, q]) => ({ ...w, first: p, end: q, placed: { first: a, end: b } }));
  switch (loader.spread) {
    case "once":
      return cut(all, first, end);
    case "every":
      return windows.flatMap((w) => cut(w, first, end));
    case "shared": {
      // each day gets its share of the new entities, in proportion to its length
      const total = all.toMs - all.fromMs;
      const boundary = (ms: number) => first + Math.round(((end - first) * (ms - all.fromMs)) / total);
      return windows.flatMap((w) => {
        const [a, b] = [boundary(w.fromMs), boundary(w.toMs)];
        return b > a ? cut(w, a, b) : [];
      });
    }
  }
}

/** The statement that writes one chunk of a loader's rows. */
export function insertOf(loader: Loader, projectId: string, chunk: Chunk): string {
  const { columns, from } = loader.rows(projectId, chunk);
  return `insert into ${loader.table} (${Object.keys(columns).join(", ")})
    select ${Object.values(columns).join(",\n      ")}
    from ${from}`;
}

// --- hooks for the storage that is coming -----------------------------------------------------------------------

/**
 * Runs before rows of the UTC days [fromDay, toDay) are written: creates the day partitions of every telemetry
 * table that are missing, as the server does (the loaders insert through the parents).
 */
export async function beforeLoad(sql: postgres.Sql, fromDay: Date, toDay: Date): Promise<void> {
  const days = daysBetween(dayOfMs(fromDay.getTime()), dayOfMs(toDay.getTime() - 1));
  await sql`select tracedeck_day_partition(t, d::date)
    from unnest(${Object.keys(PARTITIONED_TABLES)}::text[]) as t, unnest(${days}::text[]) as d`;
}

/**
 * Runs once a size is loaded, before VACUUM ANALYZE: the loaders wrote raw rows only, so every minute that holds
 * data is marked, as the writer marks what it stores, for the rollup pass to compute (`rollUp` runs it).
 */
export async function afterLoad(sql: postgres.Sql): Promise<void> {
  const minuteOfNanos = (column: string) => sql.unsafe(`to_timestamp((${column} / 60000000000) * 60)`);
  const minuteOfTime = (column: string) => sql.unsafe(`to_timestamp(floor(extract(epoch from ${column}) / 60) * 60)`);
  for (const [source, table, minute] of [
    ["spans", "spans", minuteOfNanos("start_time_unix_nano")],
    ["logs", "logs", minuteOfNanos("time_unix_nano")],
    ["events", "events", minuteOfTime("time")],
    ["metrics", "metric_points", minuteOfTime("time")],
    ["pipeline", "pipeline_events", minuteOfTime("start_time")],
    ["network", "network_ops", minuteOfTime("start_time")],
  ] as const) {
    await sql`insert into rollup_marks (project_id, source, minute, marked_at)
      select project_id, ${source}, minute, clock_timestamp()
      from (select distinct project_id, ${minute} as minute from ${sql(table)}) m
      on conflict (project_id, source, minute) do update set marked_at = excluded.marked_at`;
  }
}
