import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { loadavg } from "node:os";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as grpc from "@grpc/grpc-js";
import postgres from "postgres";
import { createScratchDatabase } from "@/db/testing/postgres";
import { createKey, freePort, startServer } from "@/e2e/http/server";
import { copyText } from "@/lib/ingest/copy";
import { decodeResponse, encodeRequest } from "@/lib/shared/otlp-proto";
import { ensureBuild } from "../next-bin";
import { cpuTicks, peakRss, resetPeakRss } from "./proc";

// Ingest throughput: the production server on Postgres takes batches of spans from 8 concurrent clients, as
// native JSON on the main port, OTLP/HTTP protobuf on the main port and on 4318, and OTLP/gRPC on 4317; the same
// rows go into the same table with COPY before, between and after, the ceiling on this machine. Printed: spans/s
// committed, CPU per span of the server and of this database's Postgres backends, the server's peak RSS.

const TOTAL_SPANS = Number(process.env.BENCH_SPANS ?? 200_000);
/** spans per request: what the OpenTelemetry and Tracedeck SDKs send (512), and smaller batches */
const BATCHES = (process.env.BENCH_BATCHES ?? "512,100").split(",").map(Number);
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

export function generate(total: number): GeneratedSpan[] {
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

/** One way of sending a batch of spans: what it sends (made before the clock starts), and how. */
interface Transport {
  name: string;
  /** the request body of these spans */
  encode(spans: GeneratedSpan[]): Buffer;
  /** sends one body, resolving once the server has said every span is stored */
  open(): { send(body: Buffer): Promise<void>; close(): void };
}

/** node:http with keep-alive: the load client should cost the machine as little as it can. */
function httpTransport(
  name: string,
  url: () => string,
  path: string,
  contentType: string,
  key: () => string,
  encode: (spans: GeneratedSpan[]) => Buffer,
  stored: (status: number, body: Buffer, count: number) => boolean,
): Transport {
  return {
    name,
    encode,
    open() {
      const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
      const target = new URL(url());
      const send = (body: Buffer) =>
        new Promise<void>((resolve, reject) => {
          const request = http.request(
            {
              host: target.hostname,
              port: target.port,
              path,
              method: "POST",
              agent,
              headers: { "content-type": contentType, "content-length": body.length, "x-api-key": key() },
            },
            (response) => {
              const chunks: Buffer[] = [];
              response.on("data", (chunk: Buffer) => chunks.push(chunk));
              response.on("end", () => {
                const answer = Buffer.concat(chunks);
                if (!stored(response.statusCode ?? 0, answer, countOf.get(body) ?? 0))
                  reject(new Error(`${name} answered ${response.statusCode}: ${answer.toString().slice(0, 300)}`));
                else resolve();
              });
            },
          );
          request.on("error", reject);
          request.end(body);
        });
      return { send, close: () => agent.destroy() };
    },
  };
}

/** spans in each body, for the checks of the answers */
const countOf = new WeakMap<Buffer, number>();

const TRACE_EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/** The spans as an OTLP export request: a resource per service, ids as bytes. */
export function otlpRequest(spans: GeneratedSpan[]): Buffer {
  const byService = new Map<string, GeneratedSpan[]>();
  for (const s of spans) byService.set(s.service_name, [...(byService.get(s.service_name) ?? []), s]);
  const value = (v: unknown) =>
    typeof v === "string"
      ? { stringValue: v }
      : typeof v === "boolean"
        ? { boolValue: v }
        : Number.isInteger(v)
          ? { intValue: v }
          : { doubleValue: v };
  const attributes = (a: Record<string, unknown>) => Object.entries(a).map(([key, v]) => ({ key, value: value(v) }));
  return Buffer.from(
    encodeRequest("traces", {
      resourceSpans: [...byService.values()].map((group) => ({
        resource: { attributes: attributes(group[0]!.resource_attributes) },
        scopeSpans: [
          {
            scope: { name: "bench" },
            spans: group.map((s) => ({
              traceId: Buffer.from(s.trace_id, "hex"),
              spanId: Buffer.from(s.span_id, "hex"),
              ...(s.parent_span_id ? { parentSpanId: Buffer.from(s.parent_span_id, "hex") } : {}),
              name: s.name,
              kind: s.kind === "SERVER" ? 2 : 3,
              startTimeUnixNano: s.start_time,
              endTimeUnixNano: s.end_time,
              attributes: attributes(s.attributes),
              status: { code: s.status === "ERROR" ? 2 : 1 },
            })),
          },
        ],
      })),
    }),
  );
}

const otlpStored = (status: number, body: Buffer) =>
  status === 200 && !(decodeResponse("traces", body) as { partialSuccess?: unknown }).partialSuccess;

/** OTLP/gRPC with grpc-js: each client a channel (a connection) of its own, as separate exporters have. */
function grpcTransport(port: () => number, key: () => string): Transport {
  return {
    name: "OTLP/gRPC protobuf, :4317",
    encode: otlpRequest,
    open() {
      const clients = Array.from(
        { length: CLIENTS },
        () =>
          new grpc.Client(`127.0.0.1:${port()}`, grpc.credentials.createInsecure(), {
            "grpc.use_local_subchannel_pool": 1,
          }),
      );
      let turn = 0;
      const send = (body: Buffer) =>
        new Promise<void>((resolve, reject) => {
          const metadata = new grpc.Metadata();
          metadata.set("x-api-key", key());
          clients[turn++ % CLIENTS]!.makeUnaryRequest(
            TRACE_EXPORT,
            (b: Buffer) => b,
            (b: Buffer) => b,
            body,
            metadata,
            (error, answer) => {
              if (error) reject(new Error(`OTLP/gRPC answered ${error.code}: ${error.details}`));
              else if (!otlpStored(200, answer!)) reject(new Error("OTLP/gRPC rejected spans"));
              else resolve();
            },
          );
        });
      return { send, close: () => clients.forEach((c) => c.close()) };
    },
  };
}

/** Sends the bodies from CLIENTS concurrent clients; answers the seconds it took. */
async function ingestWith(transport: Transport, bodies: Buffer[]): Promise<number> {
  const connection = transport.open();
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (next < bodies.length) await connection.send(bodies[next++]!);
  };
  try {
    await Promise.all(Array.from({ length: CLIENTS }, client));
    return (performance.now() - started) / 1000;
  } finally {
    connection.close();
  }
}

/** The bench's spans as the spans table's columns, in COPY text as the writer makes it (lib/ingest/copy.ts). */
const COPY_COLUMNS = [
  ...[
    "project_id",
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "service_name",
    "kind",
    "status_code",
    "start_time_unix_nano",
    "end_time_unix_nano",
  ].map((name) => ({ name, type: "text" })),
  ...["attributes", "resource_attributes", "events", "links"].map((name) => ({ name, type: "jsonb" })),
];

async function copyRows(sql: postgres.Sql, projectId: string, spans: GeneratedSpan[]): Promise<number> {
  const started = performance.now();
  const rows = spans.map((s) => ({
    project_id: projectId,
    trace_id: s.trace_id,
    span_id: s.span_id,
    parent_span_id: s.parent_span_id,
    name: s.name,
    service_name: s.service_name,
    kind: s.kind.toLowerCase(),
    status_code: s.status.toLowerCase(),
    start_time_unix_nano: s.start_time,
    end_time_unix_nano: s.end_time,
    attributes: s.attributes,
    resource_attributes: s.resource_attributes,
    events: [],
    links: [],
  }));
  const writable = await sql
    .unsafe(`copy spans (${COPY_COLUMNS.map(({ name }) => name).join(", ")}) from stdin`)
    .writable();
  await pipeline(Readable.from(copyText(rows, COPY_COLUMNS)), writable);
  return (performance.now() - started) / 1000;
}

const cpuCount = () =>
  readFileSync("/proc/cpuinfo", "utf8")
    .split("\n")
    .filter((l) => l.startsWith("processor")).length;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** CPU ticks of each backend of this database (the bench's own connection aside). */
async function backendTicks(sql: postgres.Sql): Promise<Map<number, number>> {
  const rows = await sql<{ pid: number }[]>`select pid from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid()`;
  return new Map(rows.map((r) => [r.pid, cpuTicks((pid) => pid === r.pid)]));
}

export async function benchIngest(): Promise<void> {
  await ensureBuild();
  const scratch = await createScratchDatabase("tracedeck_bench");
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const server = await startServer({
    databaseUrl: scratch.url,
    checkAnswers: false,
    env: { TRACEDECK_OTLP_GRPC_PORT: String(grpcPort), TRACEDECK_OTLP_HTTP_PORT: String(httpPort) },
  });
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  try {
    const key = await createKey(server.env, "ingest");
    const json = (spans: GeneratedSpan[]) => Buffer.from(JSON.stringify({ spans }));
    const jsonStored = (status: number, body: Buffer, count: number) =>
      status === 200 && (JSON.parse(body.toString()) as { accepted?: number }).accepted === count;
    const transports: Transport[] = [
      httpTransport(
        "native JSON, main port",
        () => server.url,
        "/api/v1/spans",
        "application/json",
        () => key,
        json,
        jsonStored,
      ),
      httpTransport(
        "OTLP/HTTP protobuf, main port",
        () => server.url,
        "/v1/traces",
        "application/x-protobuf",
        () => key,
        otlpRequest,
        otlpStored,
      ),
      httpTransport(
        "OTLP/HTTP protobuf, :4318",
        () => `http://127.0.0.1:${httpPort}`,
        "/v1/traces",
        "application/x-protobuf",
        () => key,
        otlpRequest,
        otlpStored,
      ),
      grpcTransport(
        () => grpcPort,
        () => key,
      ),
    ].filter(
      (t) => !process.env.BENCH_TRANSPORTS || process.env.BENCH_TRANSPORTS.split(",").some((n) => t.name.includes(n)),
    );
    const spans = generate(TOTAL_SPANS);
    console.log(
      `${TOTAL_SPANS.toLocaleString("en")} spans, ${CLIENTS} concurrent clients, Postgres; batches of ${BATCHES.join(" and ")} spans; load before ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );

    // warm each way in with other spans, then start from empty tables
    const warmUp = generate(20 * 100);
    for (const transport of transports) {
      const bodies = Array.from({ length: 20 }, (_, i) => {
        const body = transport.encode(warmUp.slice(i * 100, (i + 1) * 100));
        countOf.set(body, 100);
        return body;
      });
      await ingestWith(transport, bodies);
    }
    const [{ id: projectId }] = (await sql`select id from projects where slug = 'default'`) as unknown as [
      { id: string },
    ];
    const empty = async () => {
      await sql`truncate spans, traces, span_rollups, service_edges, row_counts, rollup_marks`;
      await sql`checkpoint`;
    };
    const copyRates: number[] = [];
    const copy = async () => {
      await empty();
      copyRates.push(TOTAL_SPANS / (await copyRows(sql, projectId, spans)));
    };
    await copy();

    const serverPid = server.child.pid!;
    const results: { transport: string; batch: number; rate: number; server: number; postgres: number; rss: number }[] =
      [];
    for (const batch of BATCHES) {
      for (const transport of transports) {
        const bodies: Buffer[] = [];
        for (let i = 0; i < spans.length; i += batch) {
          const body = transport.encode(spans.slice(i, i + batch));
          countOf.set(body, Math.min(batch, spans.length - i));
          bodies.push(body);
        }
        await empty();
        resetPeakRss(serverPid);
        const before = { server: cpuTicks((pid) => pid === serverPid), backends: await backendTicks(sql) };
        const seconds = await ingestWith(transport, bodies);
        const serverTicks = cpuTicks((pid) => pid === serverPid) - before.server;
        let postgresTicks = 0;
        for (const [pid, ticks] of await backendTicks(sql)) postgresTicks += ticks - (before.backends.get(pid) ?? 0);
        const rss = peakRss(serverPid);
        const [{ n: stored }] = (await sql`select count(*)::int as n from spans`) as unknown as [{ n: number }];
        if (stored !== TOTAL_SPANS) throw new Error(`${transport.name}: ${TOTAL_SPANS} acknowledged, ${stored} stored`);
        const perSpan = (ticks: number) => (ticks * 10_000) / TOTAL_SPANS;
        results.push({
          transport: transport.name,
          batch,
          rate: TOTAL_SPANS / seconds,
          server: perSpan(serverTicks),
          postgres: perSpan(postgresTicks),
          rss,
        });
      }
      await copy();
    }

    const copyRate = median(copyRates);
    console.log(
      `raw COPY: ${Math.round(copyRate).toLocaleString("en")} spans/s (median of ${copyRates.length}: ${copyRates.map((r) => Math.round(r).toLocaleString("en")).join(", ")}; same rows, table and indexes, no summaries)`,
    );
    for (const r of results) {
      console.log(
        `${r.transport.padEnd(30)} ${String(r.batch).padStart(3)}/batch: ${Math.round(r.rate).toLocaleString("en").padStart(6)} spans/s = ${(r.rate / copyRate).toFixed(2)} × COPY · CPU per span: server ${r.server.toFixed(1)} µs, this database's Postgres backends ${r.postgres.toFixed(1)} µs · server peak RSS ${Math.round(r.rss / 2 ** 20)} MiB`,
      );
    }
    console.log(
      `0 acknowledged spans lost; ${cpuCount()} cores; load after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    await sql.end();
    await server.stop();
    await scratch.drop();
  }
}
