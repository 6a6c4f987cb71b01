import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "@/db/testing/postgres";
import { signature } from "@/lib/publishers/webhook";
import { createKey, startServer, type RunningServer } from "./server";

// Alerting in the production server, two nodes on one Postgres: spans sent through the API make a rule
// fire; a webhook, a Slack incoming webhook, a PagerDuty Events v2 stand-in and an SMTP server, all on
// loopback, each hear of it once (PagerDuty after a retry), also across a node's restart, and once more
// when it resolves. A channel that never answers holds up neither the others nor ingest.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** An HTTP target on loopback recording each JSON body; `answer` says the status of the n-th request. */
async function target(answer: (n: number) => number = () => 200) {
  const bodies: { body: Record<string, unknown>; headers: IncomingMessage["headers"]; raw: string }[] = [];
  let n = 0;
  const server = createServer((request, response) => {
    let raw = "";
    request.on("data", (c: Buffer) => (raw += c.toString()));
    request.on("end", () => {
      const status = answer(n++);
      if (status < 300)
        bodies.push({ body: JSON.parse(raw) as Record<string, unknown>, headers: request.headers, raw });
      response.writeHead(status, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, bodies, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => n };
}

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let nodes: RunningServer[] = [];
let webhook: Awaited<ReturnType<typeof target>>;
let slack: Awaited<ReturnType<typeof target>>;
let pagerduty: Awaited<ReturnType<typeof target>>;
let hang: Server;
let smtp: SMTPServer;
let smtpPort: number;
const mails: string[] = [];
let admin: string;
let reader: string;
let ingest: string;

const env = {
  TRACEDECK_ALERT_INTERVAL_MS: "300",
  TRACEDECK_ALERT_RETRY_MS: "200",
  TRACEDECK_PUBLIC_URL: "https://tracedeck.example",
};

beforeAll(async () => {
  webhook = await target();
  slack = await target();
  // PagerDuty's first answer is a 500: the notification is sent again
  pagerduty = await target((n) => (n === 0 ? 500 : 202));
  // accepts connections and never answers
  hang = createServer(() => {});
  hang.listen(0, "127.0.0.1");
  await once(hang, "listening");
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, callback) {
      let raw = "";
      stream.on("data", (c: Buffer) => (raw += c.toString()));
      stream.on("end", () => {
        mails.push(raw);
        callback();
      });
    },
  });
  smtp.listen(0, "127.0.0.1");
  await once(smtp.server, "listening");
  smtpPort = (smtp.server.address() as AddressInfo).port;

  scratch = await createScratchDatabase("tracedeck_http_alerts");
  nodes = [await startServer({ databaseUrl: scratch.url, env })];
  nodes.push(await startServer({ databaseUrl: scratch.url, env }));
  admin = await createKey(nodes[0]!.env, "admin,read");
  reader = await createKey(nodes[0]!.env, "read");
  ingest = await createKey(nodes[0]!.env, "ingest");
}, 180_000);

afterAll(async () => {
  for (const node of nodes) await node.stop();
  await scratch?.drop();
  for (const s of [webhook?.server, slack?.server, pagerduty?.server, hang])
    await new Promise((resolve) => (s ? s.close(resolve) : resolve(undefined)));
  hang?.closeAllConnections();
  await new Promise((resolve) => (smtp ? smtp.close(() => resolve(undefined)) : resolve(undefined)));
});

const api = (method: string, path: string, key: string, body?: unknown, node = 0) =>
  fetch(nodes[node]!.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function sendSpans(errorsOf: number, total: number) {
  const now = Date.now();
  const spans = Array.from({ length: total }, (_, i) => ({
    trace_id: (now.toString(16) + i.toString(16)).padStart(32, "0").slice(-32),
    span_id: (i + 1).toString(16).padStart(16, "0"),
    name: "POST /pay",
    service_name: "checkout",
    kind: "server",
    start_time: new Date(now - 60_000 + i * 100).toISOString(),
    end_time: new Date(now - 60_000 + i * 100 + 80).toISOString(),
    status: i < errorsOf ? "error" : "ok",
  }));
  const response = await api("POST", "/api/v1/spans", ingest, { spans });
  expect(response.status).toBe(200);
}

const channel = async (name: string, type: string, config: Record<string, unknown>) => {
  const response = await api("POST", "/api/v1/alerts/channels", admin, { name, type, config });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
};

describe("alerts across two nodes", () => {
  it("refuses invalid rules with a 400 naming the field, and keeps rules to admins and their project", async () => {
    const bad = await api("POST", "/api/v1/alerts/rules", admin, {
      name: "bad",
      condition: { kind: "service", service: "checkout", measure: "error_rate", op: "above", threshold: "high" },
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; message: string; details: { path: string }[] } };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.map((d) => d.path)).toContain("condition.threshold");
    const unknownKind = await api("POST", "/api/v1/alerts/rules", admin, {
      name: "bad",
      condition: { kind: "weather" },
    });
    expect(unknownKind.status).toBe(400);
    const noChannel = await api("POST", "/api/v1/alerts/rules", admin, {
      name: "bad",
      condition: { kind: "absence", source: "service", name: "checkout" },
      channel_ids: ["00000000-0000-4000-8000-000000000000"],
    });
    expect(noChannel.status).toBe(400);
    expect(((await noChannel.json()) as { error: { details: { path: string }[] } }).error.details[0]!.path).toBe(
      "channel_ids.0",
    );
    const byReader = await api("POST", "/api/v1/alerts/rules", reader, {
      name: "by a reader",
      condition: { kind: "absence", source: "service", name: "checkout" },
    });
    expect(byReader.status).toBe(403);
    expect((await api("GET", "/api/v1/alerts/rules", reader)).status).toBe(200);
    const openapi = (await (await fetch(`${nodes[0]!.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      "/api/v1/alerts",
      "/api/v1/alerts/rules",
      "/api/v1/alerts/channels",
      "/api/v1/alerts/silences",
      "/api/v1/alerts/history",
    ])
      expect(openapi.paths).toHaveProperty([path]);
  });

  it("notifies every kind of channel once per change, across a restart, while a hung channel waits alone", async () => {
    await sendSpans(10, 20);
    const channels = [
      await channel("hook", "webhook", { url: `${webhook.url}/hook`, secret: "hook secret" }),
      await channel("slack", "slack", { url: `${slack.url}/services/T000/B000/XXXX` }),
      await channel("pagerduty", "pagerduty", { routing_key: "R0UT1NGKEY", url: `${pagerduty.url}/v2/enqueue` }),
      await channel("email", "email", {
        host: "127.0.0.1",
        port: smtpPort,
        from: "alerts@tracedeck.example",
        to: ["oncall@example.com"],
      }),
      await channel("hung", "webhook", { url: `http://127.0.0.1:${(hang.address() as AddressInfo).port}/hook` }),
    ];
    const created = await api("POST", "/api/v1/alerts/rules", admin, {
      name: "checkout failing",
      condition: {
        kind: "service",
        service: "checkout",
        measure: "error_rate",
        op: "above",
        threshold: 0.2,
        window_minutes: 5,
      },
      severity: "critical",
      channel_ids: channels,
    });
    expect(created.status).toBe(201);
    const rule = (await created.json()) as { id: string };

    await until("every channel to hear of the firing", () =>
      webhook.bodies.length && slack.bodies.length && pagerduty.bodies.length && mails.length ? true : undefined,
    );
    // the hung channel held up nobody, nor ingest
    const started = Date.now();
    await sendSpans(0, 1);
    expect(Date.now() - started).toBeLessThan(5000);

    const fired = webhook.bodies[0]!;
    expect(fired.body).toMatchObject({
      type: "alert",
      status: "firing",
      rule: "checkout failing",
      severity: "critical",
      value: 0.5,
    });
    expect(fired.headers["x-tracedeck-signature"]).toBe(
      signature("hook secret", String(fired.headers["x-tracedeck-timestamp"]), fired.raw),
    );
    expect(String(fired.body.url)).toMatch(/^https:\/\/tracedeck\.example\/services\/checkout\?project=default/);
    expect(String(slack.bodies[0]!.body.text)).toMatch(/checkout failing/);
    expect(pagerduty.requests()).toBe(2);
    expect(pagerduty.bodies[0]!.body).toMatchObject({
      routing_key: "R0UT1NGKEY",
      event_action: "trigger",
      dedup_key: rule.id,
      payload: { severity: "critical", source: "tracedeck/default" },
    });
    expect(mails[0]).toMatch(/Subject: .*checkout failing/);
    expect(mails[0]).toMatch(/https:\/\/tracedeck\.example\/services\/checkout/);

    // a node restarts within the minute: nothing is evaluated or sent twice
    await nodes[0]!.stop();
    nodes[0] = await startServer({ databaseUrl: scratch.url, env });
    await sleep(2000);
    expect([webhook.bodies.length, slack.bodies.length, pagerduty.bodies.length, mails.length]).toEqual([1, 1, 1, 1]);

    const active = (await (await api("GET", "/api/v1/alerts", reader, undefined, 1)).json()) as {
      firing: number;
      alerts: { rule: string; state: string; value_text: string }[];
    };
    expect(active.firing).toBe(1);
    expect(active.alerts[0]).toMatchObject({ rule: "checkout failing", state: "firing", value_text: "50%" });

    // raised past the error rate: it resolves, and each channel hears of that once
    expect(
      (
        await api("PATCH", `/api/v1/alerts/rules/${rule.id}`, admin, {
          condition: {
            kind: "service",
            service: "checkout",
            measure: "error_rate",
            op: "above",
            threshold: 0.9,
            window_minutes: 5,
          },
        })
      ).status,
    ).toBe(200);
    await until("every channel to hear of the resolution", () =>
      webhook.bodies.length > 1 && slack.bodies.length > 1 && pagerduty.bodies.length > 1 && mails.length > 1
        ? true
        : undefined,
    );
    await sleep(2000);
    expect(webhook.bodies.map((b) => b.body.status)).toEqual(["firing", "resolved"]);
    expect(slack.bodies).toHaveLength(2);
    expect(pagerduty.bodies.map((b) => [b.body.event_action, b.body.dedup_key])).toEqual([
      ["trigger", rule.id],
      ["resolve", rule.id],
    ]);
    expect(mails).toHaveLength(2);
    expect(mails[1]).toMatch(/RESOLVED/);

    const history = (await (await api("GET", `/api/v1/alerts/history?rule=${rule.id}`, reader)).json()) as {
      events: {
        to_state: string;
        notifications: { channel: string; delivered_at: string | null; attempts: number }[];
      }[];
    };
    expect(history.events.map((e) => e.to_state)).toEqual(["resolved", "firing"]);
    const firing = history.events[1]!.notifications;
    expect(firing.find((n) => n.channel === "pagerduty")).toMatchObject({ attempts: 2 });
    expect(
      firing
        .filter((n) => n.delivered_at !== null)
        .map((n) => n.channel)
        .sort(),
    ).toEqual(["email", "hook", "pagerduty", "slack"]);
  });
});
