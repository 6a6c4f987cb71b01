import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createScratchDatabase } from "@/db/testing/postgres";
import { createKey, startServer } from "@/e2e/http/server";
import { ensureBuild } from "@/scripts/next-bin";
import { cpuTicks } from "./proc";

// npm run bench -- forward: does forwarding cost ingest anything? Pipeline events are ingested over
// HTTP (Postgres) with no publisher, with a webhook publisher whose target accepts connections
// but never answers, and with one whose target answers at once; the modes take turns, three rounds
// each, and the medians are compared. Also printed: the server's resident memory after each mode
// (the dead target's queue is bounded) and how long the healthy target took to get everything.

const EVENTS = Number(process.env.BENCH_EVENTS ?? 40_000);
const BATCH = 500;
const CLIENTS = 8;
const ROUNDS = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

async function ingestEvents(url: string, key: string, prefix: string): Promise<number> {
  const start = Date.now() / 1000 - 3600;
  const bodies = Array.from({ length: EVENTS / BATCH }, (_, b) =>
    JSON.stringify({
      events: Array.from({ length: BATCH }, (_, i) => ({
        event_name: `job-${i % 20}`,
        task_id: `${prefix}-${b}-${i}`,
        start_time: start + b + i / 1000,
        end_time: start + b + i / 1000 + 0.25,
        status: i % 50 === 0 ? "failed" : "completed",
        retry_count: i % 3,
      })),
    }),
  );
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < bodies.length) {
        const response = await fetch(`${url}/api/v1/pipeline/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: bodies[next++]!,
        });
        const body = (await response.json()) as { accepted?: number };
        if (body.accepted !== BATCH) throw new Error(`ingest answered ${response.status}: ${JSON.stringify(body)}`);
      }
    }),
  );
  return EVENTS / ((performance.now() - started) / 1000);
}

export async function benchForward(): Promise<void> {
  await ensureBuild();
  const hanging: ServerResponse[] = [];
  const dead = createServer((_request, response) => void hanging.push(response));
  let delivered = 0;
  const healthy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      // counted, not parsed: the receiver shares the load client's cores
      const body = Buffer.concat(chunks);
      for (let at = body.indexOf('"task_id"'); at !== -1; at = body.indexOf('"task_id"', at + 1)) delivered++;
      response.writeHead(204).end();
    });
  });
  for (const s of [dead, healthy]) {
    s.listen(0, "127.0.0.1");
    await once(s, "listening");
  }
  const urlOf = (s: typeof dead) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`;
  const scratch = await createScratchDatabase("tracedeck_bench_forward");
  const server = await startServer({ databaseUrl: scratch.url, checkAnswers: false });
  try {
    const admin = await createKey(server.env, "admin,read");
    const ingest = await createKey(server.env, "ingest");
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(server.url + path, {
        method,
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
      return response.json() as Promise<Record<string, unknown>>;
    };
    const create = async (name: string, url: string) =>
      (
        (await api("POST", "/api/v1/publishers", {
          name,
          type: "webhook",
          enabled: false,
          config: { url, timeout_ms: 60_000 },
        })) as { id: string }
      ).id;
    const ids = {
      dead: await create("bench-dead", urlOf(dead)),
      healthy: await create("bench-healthy", urlOf(healthy)),
    };
    console.log(
      `${EVENTS} pipeline events per round, ${BATCH} per request, ${CLIENTS} concurrent clients, Postgres; ${ROUNDS} rounds per mode, modes interleaved`,
    );

    await ingestEvents(server.url, ingest, "warm-up");
    const modes: Record<string, { dead: boolean; healthy: boolean }> = {
      "no publisher": { dead: false, healthy: false },
      "dead target": { dead: true, healthy: false },
      "healthy target": { dead: false, healthy: true },
    };
    const rates: Record<string, number[]> = {};
    const rss: Record<string, number> = {};
    const serverCpu: Record<string, number> = {};
    const isServer = (pid: number) => pid === server.child.pid;
    let healthyEvents = 0;
    let lag = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [mode, settings] of Object.entries(modes)) {
        await api("PATCH", `/api/v1/publishers/${ids.dead}`, { enabled: settings.dead });
        await api("PATCH", `/api/v1/publishers/${ids.healthy}`, { enabled: settings.healthy });
        const ticksBefore = cpuTicks(isServer);
        (rates[mode] ??= []).push(await ingestEvents(server.url, ingest, `${mode.replace(/ /g, "-")}-${round}`));
        rss[mode] = Math.max(rss[mode] ?? 0, rssMiB(server.child.pid!));
        if (mode === "healthy target") {
          healthyEvents += EVENTS;
          const waitStarted = performance.now();
          while (delivered < healthyEvents && performance.now() - waitStarted < 60_000)
            await new Promise((r) => setTimeout(r, 10));
          lag = Math.max(lag, performance.now() - waitStarted);
        }
        // the server's CPU for the round, forwarding included (µs per event)
        serverCpu[mode] = (serverCpu[mode] ?? 0) + ((cpuTicks(isServer) - ticksBefore) * 10_000) / (EVENTS * ROUNDS);
      }
    }
    const { publishers } = (await api("GET", "/api/v1/publishers")) as {
      publishers: { name: string; dropped_count: number; sent_count: number }[];
    };
    const hook = publishers.find((p) => p.name === "bench-dead");
    const base = median(rates["no publisher"]!);
    for (const mode of Object.keys(modes)) {
      const m = median(rates[mode]!);
      console.log(
        `${mode.padEnd(15)}: ${Math.round(m).toLocaleString("en")} events/s median (${rates[mode]!.map((r) => Math.round(r).toLocaleString("en")).join(", ")}), ${(m / base).toFixed(2)} × no publisher; server CPU ${serverCpu[mode]!.toFixed(1)} µs/event; server RSS ≤ ${rss[mode]!.toFixed(0)} MiB`,
      );
    }
    console.log(
      `healthy target : received ${delivered.toLocaleString("en")} of ${healthyEvents.toLocaleString("en")} events; the last arrived ≤ ${lag.toFixed(0)} ms after its round's ingest finished`,
    );
    console.log(
      `dead target    : ${hanging.length} request(s) left hanging; ${hook?.dropped_count.toLocaleString("en")} events dropped past its 10,000-record queue and counted (status as last written)`,
    );
  } finally {
    for (const response of hanging) response.destroy();
    await server.stop();
    await scratch.drop();
    dead.close();
    healthy.close();
  }
}
