import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db";
import { createTestProject, openOwnDatabase } from "@/db/testing";
import { alertEvents, alertNotifications } from "@/db/testing/tables";
import type { Ctx } from "@/lib/auth/context";
import { ingestMetrics, ingestNetworkOps, ingestPipelineEvents, ingestSpans } from "@/lib/ingest/native";
import { ingestPublisherStatus } from "@/lib/publishers/manage";
import { targetGuard } from "@/lib/publishers/egress";
import { signature } from "@/lib/publishers/webhook";
import { refreshAllRollups } from "@/lib/storage/rollups";
import { activeAlerts, alertHistory, createSilence } from "./activity";
import { deliverNotifications } from "./deliver";
import { evaluateAlerts, HISTORY_DAYS, pruneAlertHistory } from "./evaluate";
import { createChannel } from "./manage-channels";
import { createRule, getRule, updateRule } from "./rules";

// Alert rules over data written through ingest: every kind of rule, `for`, resolution, silences,
// no data, and notifications to a loopback webhook, with retries and once per change.

// a database of the file's own: the rollup pass below sees only this file's marks
let own: Awaited<ReturnType<typeof openOwnDatabase>>;
let database: Database;
let ctx: Ctx;
const MINUTE = 60_000;
// half a minute into the last whole minute: evaluations a minute apart fall in successive minutes
const clock = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE + 30_000;
const at = (ms: number) => new Date(clock + ms);
const iso = (ms: number) => at(ms).toISOString();
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const guard = targetGuard(true);

/** A webhook receiver on loopback that fails the first `failures` requests with 503. */
async function receiver(secret: string, failures = 0) {
  const received: { body: Record<string, unknown>; signed: boolean }[] = [];
  let seen = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (seen++ < failures) return res.writeHead(503).end();
      const ts = String(req.headers["x-tracedeck-timestamp"]);
      received.push({
        body: JSON.parse(body) as Record<string, unknown>,
        signed: req.headers["x-tracedeck-signature"] === signature(secret, ts, body),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function ingestAll(c: Ctx) {
  const spans = [];
  // checkout: 20 requests over the last 10 minutes, every fourth failing, 100–290 ms
  for (let i = 0; i < 20; i++) {
    const start = -10 * MINUTE + i * 30_000;
    spans.push({
      trace_id: hex(i + 1, 32),
      span_id: hex(i + 1, 16),
      name: i % 2 ? "POST /pay" : "GET /cart",
      service_name: "checkout",
      kind: "server",
      start_time: iso(start),
      end_time: iso(start + 100 + i * 10),
      status: i % 4 === 0 ? "error" : undefined,
    });
  }
  // ghost: last heard of 90 minutes ago
  spans.push({
    trace_id: hex(99, 32),
    span_id: hex(99, 16),
    name: "tick",
    service_name: "ghost",
    kind: "server",
    start_time: iso(-90 * MINUTE),
    end_time: iso(-90 * MINUTE + 5),
  });
  await ingestSpans({ ctx: c, input: spans });
  const tasks = Array.from({ length: 10 }, (_, i) => ({
    task_id: `pay-${i}`,
    event_name: "payment.capture",
    start_time: iso(-7 * MINUTE + i * 20_000),
    end_time: iso(-7 * MINUTE + i * 20_000 + 500),
    status: i < 3 ? "failed" : "completed",
    retry_count: i < 3 ? 2 : 0,
  }));
  // stuck: pending for 40 minutes
  tasks.push({
    task_id: "pay-stuck",
    event_name: "payment.capture",
    start_time: iso(-40 * MINUTE),
    status: "pending",
  } as (typeof tasks)[number]);
  await ingestPipelineEvents({ ctx: c, input: tasks });
  await ingestNetworkOps({
    ctx: c,
    input: Array.from({ length: 10 }, (_, i) => ({
      task_id: `pay-${i}`,
      host: "bank.example",
      port: 443,
      operation: "POST",
      start_time: iso(-7 * MINUTE + i * 10_000),
      end_time: iso(-7 * MINUTE + i * 10_000 + 40),
      error: i < 4 ? "reset" : undefined,
    })),
  });
  await ingestMetrics({
    ctx: c,
    input: ["eu", "us"].flatMap((region) =>
      Array.from({ length: 5 }, (_, i) => ({
        name: "queue.depth",
        metric_type: "gauge",
        value: region === "eu" ? 50 + i : 5,
        tags: { region },
        timestamp: iso(-5 * MINUTE + i * MINUTE),
      })),
    ),
  });
  await ingestPublisherStatus({ ctx: c, input: [{ name: "es-main", type: "elasticsearch", state: "failing" }] });
  // ghost's minute is rolled up, so it is a known service
  await refreshAllRollups(c.database);
}

beforeAll(async () => {
  own = await openOwnDatabase();
  database = own.database;
  await database.migrate();
  ctx = { ...(await createTestProject(database)), now: () => at(0) };
  await ingestAll(ctx);
});
afterAll(() => own.close());

const evaluate = (ms: number) =>
  evaluateAlerts(database, { now: at(ms), projectId: ctx.projectId, publicUrl: "http://tracedeck.test" });
const rule = (name: string, condition: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  createRule({ ctx, input: { name, condition, ...extra } });
const stateOf = async (id: string) =>
  (await getRule({ ctx, input: { id } })).groups.map((g) => [g.group, g.state, g.value]);

describe("rules over ingested data", () => {
  it("fires, stays ok or says there is no data, for every kind of rule", async () => {
    const w = { window_minutes: 30 };
    const rules = {
      errorRate: await rule("checkout errors", {
        kind: "service",
        service: "checkout",
        measure: "error_rate",
        op: "above",
        threshold: 0.2,
        ...w,
      }),
      quiet: await rule("checkout errors high", {
        kind: "service",
        service: "checkout",
        measure: "error_rate",
        op: "above",
        threshold: 0.5,
        ...w,
      }),
      p95: await rule("pay p95", {
        kind: "service",
        service: "checkout",
        operation: "POST /pay",
        measure: "p95_ms",
        op: "above",
        threshold: 100,
        ...w,
      }),
      rate: await rule("checkout traffic", {
        kind: "service",
        service: "checkout",
        measure: "request_rate",
        op: "below",
        threshold: 1,
        ...w,
      }),
      failureRate: await rule("capture failures", {
        kind: "pipeline",
        event_name: "payment.capture",
        measure: "failure_rate",
        op: "above",
        threshold: 0.25,
        ...w,
      }),
      failures: await rule("capture failure count", {
        kind: "pipeline",
        event_name: "payment.capture",
        measure: "failures",
        op: "above",
        threshold: 5,
        ...w,
      }),
      retries: await rule("capture retries", {
        kind: "pipeline",
        event_name: "payment.capture",
        measure: "retries",
        op: "above",
        threshold: 5,
        ...w,
      }),
      stuck: await rule("capture stuck", {
        kind: "pipeline",
        event_name: "payment.capture",
        measure: "stuck",
        stuck_minutes: 30,
        op: "above",
        threshold: 0,
        ...w,
      }),
      network: await rule("bank errors", {
        kind: "network",
        host: "bank.example",
        port: 443,
        measure: "error_rate",
        op: "above",
        threshold: 0.3,
        ...w,
      }),
      metric: await rule("queue depth", {
        kind: "metric",
        metric: "queue.depth",
        agg: "avg",
        group_by: ["region"],
        op: "above",
        threshold: 10,
        window_minutes: 10,
      }),
      publisher: await rule("es failing", { kind: "publisher", publisher: "es-main", when: "failing" }),
      absent: await rule("ghost silent", { kind: "absence", source: "service", name: "ghost", window_minutes: 30 }),
      present: await rule("checkout silent", {
        kind: "absence",
        source: "service",
        name: "checkout",
        window_minutes: 30,
      }),
      unknown: await rule("typo traffic", {
        kind: "service",
        service: "checkuot",
        measure: "request_rate",
        op: "below",
        threshold: 1,
        ...w,
      }),
      unknownMetric: await rule("no such metric", {
        kind: "metric",
        metric: "nope.metric",
        op: "above",
        threshold: 1,
        window_minutes: 5,
      }),
    };
    const pass = await evaluate(0);
    expect(pass.evaluated).toBe(Object.keys(rules).length);

    // 5 of 20 requests failed
    expect(await stateOf(rules.errorRate.id)).toEqual([["", "firing", 0.25]]);
    expect(await stateOf(rules.quiet.id)).toEqual([["", "ok", 0.25]]);
    const [[, p95State, p95]] = (await stateOf(rules.p95.id)) as [[string, string, number]];
    expect(p95State).toBe("firing");
    expect(p95).toBeGreaterThan(100);
    // 20 requests in 30 minutes
    expect(await stateOf(rules.rate.id)).toEqual([["", "firing", 20 / 1800]]);
    expect(await stateOf(rules.failureRate.id)).toEqual([["", "firing", 0.3]]);
    expect(await stateOf(rules.failures.id)).toEqual([["", "ok", 3]]);
    expect(await stateOf(rules.retries.id)).toEqual([["", "firing", 6]]);
    expect(await stateOf(rules.stuck.id)).toEqual([["", "firing", 1]]);
    expect(await stateOf(rules.network.id)).toEqual([["", "firing", 0.4]]);
    expect(await stateOf(rules.metric.id)).toEqual([
      ["region=eu", "firing", 52],
      ["region=us", "ok", 5],
    ]);
    expect(await stateOf(rules.publisher.id)).toEqual([["", "firing", 1]]);
    expect(await stateOf(rules.absent.id)).toEqual([["", "firing", 0]]);
    expect(await stateOf(rules.present.id)).toEqual([["", "ok", 20]]);
    const unknown = await getRule({ ctx, input: { id: rules.unknown.id } });
    expect(unknown.state).toBe("no_data");
    expect(unknown.groups[0]!.message).toMatch(/no service checkuot has sent data/);
    const noMetric = await getRule({ ctx, input: { id: rules.unknownMetric.id } });
    expect(noMetric.state).toBe("no_data");
    expect(noMetric.groups[0]!.message).toMatch(/nope\.metric/);

    // evaluated once a minute: a second pass in the same minute claims nothing
    expect((await evaluate(10_000)).evaluated).toBe(0);

    const active = await activeAlerts({ ctx });
    expect(active.firing).toBe(10);
    expect(active.alerts[0]!.state).toBe("firing");
    expect(active.alerts.at(-1)!.state).toBe("no_data");

    // the data leaves the window: the rules resolve (the stuck task and the failing publisher remain)
    for (const r of Object.values(rules)) await updateRule({ ctx, input: { id: r.id, body: { enabled: false } } });
  });

  it("waits `for` minutes before firing, and resolves when the condition clears", async () => {
    const r = await rule(
      "slow to fire",
      {
        kind: "pipeline",
        event_name: "payment.capture",
        measure: "failures",
        op: "above",
        threshold: 2,
        window_minutes: 10,
      },
      { for_minutes: 2 },
    );
    await evaluate(0);
    expect(await stateOf(r.id)).toEqual([["", "pending", 3]]);
    await evaluate(MINUTE);
    expect(await stateOf(r.id)).toEqual([["", "pending", 3]]);
    await evaluate(2 * MINUTE);
    expect(await stateOf(r.id)).toEqual([["", "firing", 3]]);
    // eleven minutes on, the failures have left the ten-minute window
    await evaluate(11 * MINUTE);
    expect(await stateOf(r.id)).toEqual([["", "resolved", 0]]);
    const history = await alertHistory({
      ctx,
      input: {
        rule: r.id,
        from: BigInt(clock - MINUTE) * 1_000_000n,
        to: BigInt(clock + 20 * MINUTE) * 1_000_000n,
        limit: 100,
      },
    });
    expect(history.events.map((e) => `${e.from_state}>${e.to_state}`)).toEqual([
      "firing>resolved",
      "pending>firing",
      "ok>pending",
    ]);
    await updateRule({ ctx, input: { id: r.id, body: { enabled: false } } });
  });
});

describe("history", () => {
  it("keeps HISTORY_DAYS of changes", async () => {
    const r = await rule("pruned", { kind: "absence", source: "service", name: "checkout" }, { enabled: false });
    const change = (days: number) => ({
      projectId: ctx.projectId,
      ruleId: r.id,
      groupKey: "",
      fromState: "ok" as const,
      toState: "firing" as const,
      threshold: 0,
      at: new Date(clock - days * 86_400_000),
    });
    await database.db.insert(alertEvents).values([change(HISTORY_DAYS + 1), change(HISTORY_DAYS - 1)]);
    expect(await pruneAlertHistory(database, at(0))).toBe(1);
    const left = await database.db.select().from(alertEvents).where(eq(alertEvents.ruleId, r.id));
    expect(left.map((e) => e.at.getTime())).toEqual([clock - (HISTORY_DAYS - 1) * 86_400_000]);
  });
});

describe("notifications", () => {
  it("are sent once per change, retried after a failure, and held back by a silence", async () => {
    const hook = await receiver("s3cret", 1);
    try {
      const channel = await createChannel({
        ctx,
        input: { name: "ops hook", type: "webhook", config: { url: hook.url, secret: "s3cret" } },
      });
      const condition = {
        kind: "network",
        host: "bank.example",
        port: 443,
        measure: "error_rate",
        op: "above",
        threshold: 0.3,
        window_minutes: 10,
      };
      const loud = await rule("bank down", condition, { channel_ids: [channel.id], severity: "critical" });
      const muted = await rule("bank down (muted)", condition, { channel_ids: [channel.id] });
      await createSilence({ ctx, input: { rule_id: muted.id, duration_minutes: 60, reason: "bank maintenance" } });

      const pass = await evaluate(0);
      expect(pass.changes).toBe(2);
      expect(pass.notifications).toBe(1);
      // two nodes' senders at once: one takes the notification; the receiver fails it with a 503
      const first = await Promise.all([
        deliverNotifications(database, { now: at(1000), projectId: ctx.projectId, guard, retryMs: 1000 }),
        deliverNotifications(database, { now: at(1000), projectId: ctx.projectId, guard, retryMs: 1000 }),
      ]);
      expect(first.reduce((n, r) => n + r.retried + r.delivered, 0)).toBe(1);
      expect(hook.received).toHaveLength(0);
      const [pending] = await database.db
        .select()
        .from(alertNotifications)
        .where(eq(alertNotifications.channelId, channel.id));
      expect(pending!.lastError).toMatch(/503/);
      // not before its retry is due
      expect(
        (await deliverNotifications(database, { now: at(1500), projectId: ctx.projectId, guard, retryMs: 1000 }))
          .delivered,
      ).toBe(0);
      expect(
        (await deliverNotifications(database, { now: at(2000), projectId: ctx.projectId, guard, retryMs: 1000 }))
          .delivered,
      ).toBe(1);
      expect(hook.received).toHaveLength(1);
      const sent = hook.received[0]!;
      expect(sent.signed).toBe(true);
      expect(sent.body).toMatchObject({
        type: "alert",
        status: "firing",
        rule: "bank down",
        severity: "critical",
        value: 0.4,
        value_text: "40%",
        threshold: 0.3,
      });
      expect(String(sent.body.url)).toMatch(/^http:\/\/tracedeck\.test\/network\?project=.*host=bank\.example/);

      // the data leaves the window: resolved, told once
      await evaluate(20 * MINUTE);
      await deliverNotifications(database, { now: at(20 * MINUTE), projectId: ctx.projectId, guard });
      await deliverNotifications(database, { now: at(21 * MINUTE), projectId: ctx.projectId, guard });
      expect(hook.received.map((r) => [r.body.rule, r.body.status])).toEqual([
        ["bank down", "firing"],
        ["bank down", "resolved"],
      ]);
      const history = await alertHistory({
        ctx,
        input: {
          rule: muted.id,
          from: BigInt(clock) * 1_000_000n,
          to: BigInt(clock + 30 * MINUTE) * 1_000_000n,
          limit: 10,
        },
      });
      expect(history.events.map((e) => [e.to_state, e.silenced, e.notifications.length])).toEqual([
        ["resolved", true, 0],
        ["firing", true, 0],
      ]);
      const loudHistory = await alertHistory({
        ctx,
        input: {
          rule: loud.id,
          from: BigInt(clock) * 1_000_000n,
          to: BigInt(clock + 30 * MINUTE) * 1_000_000n,
          limit: 10,
        },
      });
      expect(loudHistory.events[1]!.notifications).toMatchObject([
        { channel: "ops hook", attempts: 2, last_error: null },
      ]);
      for (const r of [loud, muted]) await updateRule({ ctx, input: { id: r.id, body: { enabled: false } } });
    } finally {
      await hook.close();
    }
  });

  it("from two nodes evaluating at once: each rule evaluated once, each change told once", async () => {
    const hook = await receiver("k");
    // on Postgres a second pool, as a second node has; PGlite is one process's
    const other = own.openAnother?.() ?? database;
    try {
      const channel = await createChannel({
        ctx,
        input: { name: "race hook", type: "webhook", config: { url: hook.url, secret: "k" } },
      });
      const names = Array.from({ length: 20 }, (_, i) => `race ${i}`);
      for (const name of names)
        await rule(
          name,
          {
            kind: "service",
            service: "checkout",
            measure: "error_rate",
            op: "above",
            threshold: 0.1,
            window_minutes: 30,
          },
          { channel_ids: [channel.id] },
        );
      const now = at(10 * MINUTE);
      const passes = await Promise.all(
        [database, other, database, other].map((d) =>
          evaluateAlerts(d, { now, projectId: ctx.projectId, publicUrl: "http://tracedeck.test" }),
        ),
      );
      expect(passes.reduce((n, p) => n + p.evaluated, 0)).toBe(names.length);
      expect(passes.reduce((n, p) => n + p.notifications, 0)).toBe(names.length);
      await Promise.all(
        [database, other, database, other].map((d) =>
          deliverNotifications(d, { now: new Date(now.getTime() + 1000), projectId: ctx.projectId, guard }),
        ),
      );
      expect(hook.received.map((r) => r.body.rule).sort()).toEqual([...names].sort());
    } finally {
      await hook.close();
      if (other !== database) await other.close();
    }
  });
});
