import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import postgres from "postgres";
import { createScratchDatabase } from "@/db/testing/postgres";
import { createKey, startServer } from "@/e2e/http/server";
import { ensureBuild } from "../next-bin";

// Ingest throughput: the production server on Postgres takes 100-span batches from 8 concurrent
// clients; then the same rows go into the same table with COPY, the ceiling on this machine.

const TOTAL_SPANS = Number(process.env.BENCH_SPANS ?? 200_000);
const BATCH = 100;
const CLIENTS = 8;
const SERVICES = ["api", "web", "auth", "billing", "search", "cart", "orders", "mailer", "worker", "gateway"];
// an hour ago: inside the default retention, as live telemetry is
const T0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;

interface GeneratedSpan {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  service_name: string;
  kind: string;
  status: string;
  start_time: string;
  end_time: string;
  attributes: Record<string, unknown>;
  resource_attributes: Record<string, unknown>;
}

function generate(total: number): GeneratedSpan[] {
  const spans: GeneratedSpan[] = [];
  let trace = "";
  let root = "";
  for (let i = 0; i < total; i++) {
    const first = i % 10 === 0;
    if (first) trace = randomBytes(16).toString("hex");
    const spanId = randomBytes(8).toString("hex");
    if (first) root = spanId;
    const service = SERVICES[i % SERVICES.length]!;
    const start = T0 + BigInt(i) * 1_000_000n;
    spans.push({
      trace_id: trace,
      span_id: spanId,
      parent_span_id: first ? null : root,
      name: `${first ? "GET" : "SELECT"} /op/${i % 50}`,
      service_name: service,
      kind: first ? "SERVER" : "CLIENT",
      status: i % 97 === 0 ? "ERROR" : "OK",
      start_time: start.toString(),
      end_time: (start + BigInt(1 + (i % 500)) * 100_000n).toString(),
      attributes: {
        "http.method": "GET",
        "http.route": `/op/${i % 50}`,
        "http.status_code": 200,
        "net.peer.port": 5432,
        "db.system": "postgresql",
        retry: false,
      },
      resource_attributes: { "service.name": service, "service.version": "1.4.2", "host.name": `node-${i % 7}` },
    });
  }
  return spans;
}

/** Postgres COPY text format: tab-separated, \N for null, backslash escapes. */
const copyText = (v: string | null) =>
  v === null ? "\\N" : v.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");

/** CPU time (user + system, in clock ticks of 10 ms) of the processes whose command line matches. */
/** CPU time (in 10 ms ticks) the matching processes have used. */
export function cpuTicks(matches: (pid: number, cmdline: string) => boolean): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!matches(Number(entry), readFileSync(`/proc/${entry}/cmdline`, "utf8"))) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended while we looked
    }
  }
  return ticks;
}

async function ingestOverHttp(url: string, key: string, bodies: string[]): Promise<number> {
  // node:http with keep-alive: the client should cost the machine as little as it can
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const target = new URL(url);
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const request = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: "/api/v1/spans",
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            authorization: `Bearer ${key}`,
          },
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () => {
            const accepted =
              response.statusCode === 200 ? (JSON.parse(text) as { accepted?: number }).accepted : undefined;
            if (accepted !== BATCH) reject(new Error(`ingest answered ${response.statusCode}: ${text}`));
            else resolve();
          });
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (next < bodies.length) await post(bodies[next++]!);
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  agent.destroy();
  return (performance.now() - started) / 1000;
}

async function copyRows(sql: postgres.Sql, projectId: string, spans: GeneratedSpan[]): Promise<number> {
  const started = performance.now();
  const kind = (k: string) => k.toLowerCase();
  const lines = function* () {
    let chunk = "";
    for (const s of spans) {
      chunk +=
        [
          projectId,
          s.trace_id,
          s.span_id,
          s.parent_span_id,
          s.name,
          s.service_name,
          kind(s.kind),
          s.status.toLowerCase(),
          s.start_time,
          s.end_time,
          JSON.stringify(s.attributes),
          JSON.stringify(s.resource_attributes),
          "[]",
          "[]",
        ]
          .map(copyText)
          .join("\t") + "\n";
      if (chunk.length > 1 << 16) {
        yield chunk;
        chunk = "";
      }
    }
    if (chunk) yield chunk;
  };
  const writable = await sql`copy spans (project_id, trace_id, span_id, parent_span_id, name, service_name, kind,
    status_code, start_time_unix_nano, end_time_unix_nano, attributes, resource_attributes, events, links) from stdin`.writable();
  await pipeline(Readable.from(lines()), writable);
  return (performance.now() - started) / 1000;
}

const cpuCount = () =>
  readFileSync("/proc/cpuinfo", "utf8")
    .split("\n")
    .filter((l) => l.startsWith("processor")).length;

export async function benchIngest(): Promise<void> {
  await ensureBuild();
  const scratch = await createScratchDatabase("tracedeck_bench");
  const server = await startServer({ databaseUrl: scratch.url, checkAnswers: false });
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  try {
    const key = await createKey(server.env, "ingest");
    const spans = generate(TOTAL_SPANS);
    const bodies: string[] = [];
    for (let i = 0; i < spans.length; i += BATCH) bodies.push(JSON.stringify({ spans: spans.slice(i, i + BATCH) }));
    console.log(
      `${TOTAL_SPANS} spans, ${bodies.length} requests of ${BATCH} spans (${(bodies[0]!.length / BATCH).toFixed(0)} B/span JSON), ${CLIENTS} concurrent clients, Postgres`,
    );

    // warm the server's code paths and connections with other spans, then start from empty tables
    const warmUp = generate(20 * BATCH);
    await ingestOverHttp(
      server.url,
      key,
      Array.from({ length: 20 }, (_, i) => JSON.stringify({ spans: warmUp.slice(i * BATCH, (i + 1) * BATCH) })),
    );
    await sql`truncate spans, traces`;

    const serverPid = server.child.pid!;
    const isServer = (pid: number) => pid === serverPid;
    const isPostgres = (_: number, cmdline: string) => cmdline.startsWith("postgres");
    const before = { server: cpuTicks(isServer), postgres: cpuTicks(isPostgres), client: process.cpuUsage() };
    const httpSeconds = await ingestOverHttp(server.url, key, bodies);
    const client = process.cpuUsage(before.client);
    const perSpan = (ticks: number) => ((ticks * 10_000) / TOTAL_SPANS).toFixed(1);
    const cpu = {
      server: perSpan(cpuTicks(isServer) - before.server),
      postgres: perSpan(cpuTicks(isPostgres) - before.postgres),
      client: ((client.user + client.system) / TOTAL_SPANS).toFixed(1),
    };
    const [{ n: stored }] = (await sql`select count(*)::int as n from spans`) as unknown as [{ n: number }];
    if (stored !== TOTAL_SPANS) throw new Error(`expected ${TOTAL_SPANS} stored spans, found ${stored}`);
    const [{ n: traceRows }] = (await sql`select count(*)::int as n from traces`) as unknown as [{ n: number }];
    const ingestRate = TOTAL_SPANS / httpSeconds;

    const [{ id: projectId }] = (await sql`select id from projects where slug = 'default'`) as unknown as [
      { id: string },
    ];
    await sql`truncate spans, traces`;
    await sql`checkpoint`;
    const copySeconds = await copyRows(sql, projectId, spans);
    const copyRate = TOTAL_SPANS / copySeconds;

    console.log(
      `ingest over HTTP : ${Math.round(ingestRate).toLocaleString("en")} spans/s committed (${httpSeconds.toFixed(2)} s; ${traceRows} trace summaries kept)`,
    );
    console.log(
      `  CPU per span   : server ${cpu.server} µs, postgres ${cpu.postgres} µs, load client ${cpu.client} µs (${cpuCount()} cores)`,
    );
    console.log(
      `raw COPY         : ${Math.round(copyRate).toLocaleString("en")} spans/s (${copySeconds.toFixed(2)} s, same rows, same table and indexes, no summaries)`,
    );
    console.log(`ratio            : ${(ingestRate / copyRate).toFixed(2)} × COPY (target ≥ 0.50)`);
  } finally {
    await sql.end();
    await server.stop();
    await scratch.drop();
  }
}
