import { rmSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type Database } from "./client";
import { PARTITIONED_TABLES } from "./partitions";
import { migrationsUpTo, openOwnDatabase } from "./testing";

// An existing database, filled by the schema before partitions, migrated to day partitions:
// every row moves into the partitioned tables, keys and merges keep working.

const BEFORE_PARTITIONS = "0002_server_publishers";

const DAY_NS = 86_400_000_000_000n;
const day0 = BigInt(Date.UTC(2026, 10, 20)) * 1_000_000n;

let own: { database: Database; close: () => Promise<void> };
let folder: string;
let projectId: string;

beforeAll(async () => {
  own = await openOwnDatabase();
  folder = migrationsUpTo(BEFORE_PARTITIONS);
  await own.database.migrate(folder);
  const db = own.database.db;
  const [project] = await queryRows<{ id: string }>(
    db,
    sql`insert into projects (slug, name) values ('old', 'Old') returning id`,
  );
  projectId = project!.id;
  // two days of each signal, as the writer of that schema stored them
  for (const d of [0n, 1n]) {
    const t = day0 + d * DAY_NS + 3_600_000_000_000n;
    const trace = `${d}`.padStart(32, "a");
    await db.execute(sql`insert into spans (project_id, trace_id, span_id, name, service_name, kind, status_code,
        start_time_unix_nano, end_time_unix_nano, attributes, resource_attributes, events, links)
      values (${projectId}, ${trace}, ${"b".repeat(16)}, 'GET /', 'api', 'server', 'ok', ${t}, ${t + 5_000_000n},
        '{"customer.id": "c-1"}', '{"service.name": "api"}', '[]', '[]')`);
    await db.execute(sql`insert into traces (project_id, trace_id, start_time_unix_nano, end_time_unix_nano,
        span_count, error_count, root_service_name, root_name, services)
      values (${projectId}, ${trace}, ${t}, ${t + 5_000_000n}, 1, 0, 'api', 'GET /', '{api}')`);
    await db.execute(sql`insert into logs (project_id, time_unix_nano, observed_time_unix_nano, severity_number,
        body, attributes, resource_attributes) values (${projectId}, ${t}, ${t}, 9, '"hello"', '{}', '{}')`);
    const at = new Date(Number(t / 1_000_000n)).toISOString();
    await db.execute(
      sql`insert into events (project_id, name, time, attributes) values (${projectId}, 'deploy', ${at}, '{}')`,
    );
    await db.execute(sql`insert into pipeline_events (project_id, task_id, event_name, start_time, status, retry_count,
        attributes) values (${projectId}, ${`task-${d}`}, 'resize', ${at}, 'pending', 0, '{}')`);
    await db.execute(sql`insert into network_ops (project_id, task_id, host, port, operation, start_time,
        bytes_sent, bytes_received) values (${projectId}, ${`task-${d}`}, 'db', 5432, 'query', ${at}, 1, 2)`);
  }
  const [series] = await queryRows<{ id: string }>(
    db,
    sql`insert into metric_series (project_id, name, type, tags, resource_attributes, series_hash)
      values (${projectId}, 'requests', 'counter', '{}', '{}', 'h1') returning id::text`,
  );
  await db.execute(sql`insert into metric_points (project_id, series_id, time, value)
    values (${projectId}, ${series!.id}, '2026-11-20T01:00:00Z', 1), (${projectId}, ${series!.id}, '2026-11-21T01:00:00Z', 2)`);

  await own.database.migrate();
});

afterAll(async () => {
  await own.close();
  rmSync(folder, { recursive: true, force: true });
});

describe("migrating a database filled before partitions", () => {
  it("moves every row into day partitions", async () => {
    const db = own.database.db;
    const raw = Object.keys(PARTITIONED_TABLES).filter(
      (t) => PARTITIONED_TABLES[t as keyof typeof PARTITIONED_TABLES] !== "rollups",
    );
    for (const table of raw) {
      const rows = await queryRows<{ partition: string; n: number }>(
        db,
        sql.raw(`select tableoid::regclass::text as partition, count(*)::int as n from ${table} group by 1 order by 1`),
      );
      expect(rows, table).toEqual([
        { partition: `${table}_p20261120`, n: 1 },
        { partition: `${table}_p20261121`, n: 1 },
      ]);
    }
    const [old] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from pg_class where relname like '%_unpartitioned'`,
    );
    expect(old!.n).toBe(0);
  });

  it("marks every minute that holds data, for the rollup pass", async () => {
    const marks = await queryRows<{ source: string; minute: string }>(
      own.database.db,
      sql`select source, to_char(minute at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as minute
          from rollup_marks order by 1, 2`,
    );
    expect(marks).toEqual(
      ["events", "logs", "metrics", "network", "pipeline", "spans"].flatMap((source) => [
        { source, minute: "2026-11-20 01:00" },
        { source, minute: "2026-11-21 01:00" },
      ]),
    );
  });

  it("fills the new day columns and keeps generated columns", async () => {
    const db = own.database.db;
    const summaries = await queryRows<{ day: string; duration: string }>(
      db,
      sql`select day::text, duration_nano::text as duration from traces order by day`,
    );
    expect(summaries).toEqual([
      { day: "2026-11-20", duration: "5000000" },
      { day: "2026-11-21", duration: "5000000" },
    ]);
    const tasks = await queryRows<{ day: string }>(db, sql`select day::text from pipeline_events order by day`);
    expect(tasks.map((t) => t.day)).toEqual(["2026-11-20", "2026-11-21"]);
  });

  it("keeps the keys that make ingest idempotent and merges work", async () => {
    const db = own.database.db;
    const t = day0 + 3_600_000_000_000n;
    const trace = "0".padStart(32, "a");
    // the same span again: the key still catches it
    await db.execute(sql`insert into spans (project_id, trace_id, span_id, name, service_name, kind, status_code,
        start_time_unix_nano, end_time_unix_nano, attributes, resource_attributes, events, links)
      values (${projectId}, ${trace}, ${"b".repeat(16)}, 'GET /', 'api', 'server', 'ok', ${t}, ${t + 5_000_000n},
        '{}', '{}', '[]', '[]') on conflict do nothing`);
    const [spans] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from spans`);
    expect(spans!.n).toBe(2);
    await db.execute(sql`insert into pipeline_events (project_id, task_id, event_name, start_time, status, retry_count,
        attributes, day) values (${projectId}, 'task-0', 'resize', '2026-11-20T01:00:00Z', 'completed', 0, '{}', '2026-11-20')
      on conflict (project_id, task_id, day) do update set status = excluded.status`);
    const tasks = await queryRows<{ status: string }>(
      db,
      sql`select status from pipeline_events where task_id = 'task-0'`,
    );
    expect(tasks).toEqual([{ status: "completed" }]);
    // the attribute index answers containment on the moved rows
    const found = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from spans where (resource_attributes || attributes) @> '{"customer.id": "c-1"}'`,
    );
    expect(found[0]!.n).toBe(2);
  });
});
