import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import postgres from "postgres";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Relay } from "./relay";
import { createKey, startServer, type RunningServer } from "./server";

// Ingest when there is more than the server can take, and when its database goes away: every request is
// answered (2xx, 429 or 503 with Retry-After), nothing acknowledged is lost, and health keeps answering.

const BATCH = 100;

/** A native batch of BATCH new spans, starting now. */
function spansBody(): string {
  const now = Date.now();
  const trace = randomBytes(16).toString("hex");
  const spans = Array.from({ length: BATCH }, (_, i) => ({
    trace_id: trace,
    span_id: randomBytes(8).toString("hex"),
    name: `op ${i % 20}`,
    service_name: `svc${i % 5}`,
    kind: "server",
    start_time: (now + i) / 1000,
    end_time: (now + i + 5) / 1000,
    attributes: { i, tag: "x" },
  }));
  return JSON.stringify({ spans });
}

interface Answer {
  status: number | string;
  retryAfter?: string;
  accepted: number;
}

describe("ingest at four times what the server can take", () => {
  let server: RunningServer;
  let key: string;
  let sql: postgres.Sql;
  const agent = new Agent({ connections: null, keepAliveTimeout: 10_000 });
  beforeAll(async () => {
    const url = inject("serverPostgresUrl");
    server = await startServer({ databaseUrl: url });
    key = await createKey(server.env, "ingest");
    sql = postgres(url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await agent.close();
    await sql?.end();
    await server?.stop();
  });

  const post = (): Promise<Answer> =>
    request(`${server.url}/api/v1/spans`, {
      method: "POST",
      body: spansBody(),
      headers: { "content-type": "application/json", "x-api-key": key },
      dispatcher: agent,
    }).then(
      async (response) => {
        const text = await response.body.text();
        return {
          status: response.statusCode,
          retryAfter: response.headers["retry-after"] as string | undefined,
          accepted: response.statusCode === 200 ? (JSON.parse(text) as { accepted: number }).accepted : 0,
        };
      },
      (error: Error & { code?: string }) => ({ status: `no answer: ${error.code ?? error.message}`, accepted: 0 }),
    );

  it("answers every request with 200, 429 or 503 and Retry-After, loses nothing, and health answers within a second", async () => {
    const { count: before } = (await sql`select count(*)::int as count from spans`)[0] as { count: number };
    // what it takes: 8 clients, each sending its next batch when the last is answered, for 3 s
    let sent = 0;
    let acknowledged = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() - started < 3000) {
          const answer = await post();
          expect(answer.status).toBe(200);
          acknowledged += answer.accepted;
          sent++;
        }
      }),
    );
    const capacity = sent / ((performance.now() - started) / 1000);

    // then four times that, each request sent on time whatever the answers before, for 4 s
    const answers: Promise<Answer>[] = [];
    const health: number[] = [];
    let running = true;
    const polling = (async () => {
      while (running) {
        const asked = performance.now();
        const response = await fetch(`${server.url}/api/v1/health`);
        await response.text();
        health.push(performance.now() - asked);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const flood = performance.now();
    let due = 0;
    while (performance.now() - flood < 4000) {
      const owed = Math.floor(((performance.now() - flood) / 1000) * capacity * 4);
      for (; due < owed; due++) answers.push(post());
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const answered = await Promise.all(answers);
    running = false;
    await polling;

    const statuses = new Map<string, number>();
    for (const a of answered) statuses.set(String(a.status), (statuses.get(String(a.status)) ?? 0) + 1);
    expect(
      [...statuses.keys()].filter((s) => !["200", "429", "503"].includes(s)),
      JSON.stringify([...statuses]),
    ).toEqual([]);
    // some were taken, and the rest turned away: the server was past what it takes
    expect(statuses.get("200")).toBeGreaterThan(0);
    expect((statuses.get("429") ?? 0) + (statuses.get("503") ?? 0)).toBeGreaterThan(0);
    expect(answered.filter((a) => a.status !== 200 && !(Number(a.retryAfter) > 0))).toEqual([]);
    expect(Math.max(...health)).toBeLessThan(1000);

    acknowledged += answered.reduce((n, a) => n + a.accepted, 0);
    const { count: after } = (await sql`select count(*)::int as count from spans`)[0] as { count: number };
    expect(after - before).toBe(acknowledged);
  });
});

describe("ingest while the database goes away", () => {
  let server: RunningServer;
  let relay: Relay;
  let key: string;
  beforeAll(async () => {
    const relayed = await Relay.to(inject("serverPostgresUrl"));
    relay = relayed.relay;
    server = await startServer({ databaseUrl: relayed.url });
    key = await createKey(server.env, "ingest");
  });
  afterAll(async () => {
    await server?.stop();
    await relay?.close();
  });

  const send = async () => {
    const started = performance.now();
    const response = await fetch(`${server.url}/api/v1/spans`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: spansBody(),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      ms: performance.now() - started,
    };
  };
  /** A batch sent again every 250 ms while it is answered 503 (the server probes the database every second), up to 5 s. */
  const sendOnceBack = async () => {
    let answer = await send();
    for (let i = 0; i < 20 && answer.status === 503; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = await send();
    }
    return answer;
  };

  it("answers 503 with Retry-After within seconds when the database goes silent, at once while it stays so, and takes batches again once it is back", async () => {
    expect((await send()).status).toBe(200);
    relay.freeze();
    for (const answer of await Promise.all([send(), send()])) {
      expect(answer).toMatchObject({ status: 503, retryAfter: "5" });
      expect(answer.ms).toBeLessThan(3500);
    }
    const next = await send();
    expect(next.status).toBe(503);
    expect(next.ms).toBeLessThan(500);

    relay.restore();
    expect((await sendOnceBack()).status).toBe(200);
  });

  it("answers 503 at once when the database is down, and does not take a client that left for an outage", async () => {
    relay.refuse();
    const down = await send();
    expect(down).toMatchObject({ status: 503, retryAfter: "5" });
    relay.restore();
    expect((await sendOnceBack()).status).toBe(200);

    // a client that sends half its body and hangs up
    const logged = server.output().length;
    const url = new URL(server.url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST /api/v1/spans HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\nx-api-key: ${key}\r\ncontent-length: 100000\r\n\r\n{"spans": [`,
        );
        setTimeout(() => socket.destroy(), 200);
      });
      socket.on("close", () => resolve());
      socket.on("error", () => {});
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.output().slice(logged)).not.toMatch(/database unavailable/);
    expect((await send()).status).toBe(200);
  });
});
