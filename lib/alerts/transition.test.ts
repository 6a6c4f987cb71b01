import { describe, expect, it } from "vitest";
import type { AlertState } from "@/db/schema";
import { breaches, Condition, describeCondition, formatValue } from "./condition";
import { alertMessage } from "./message";
import { isNotified, nextState } from "./transition";

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));
const was = (state: AlertState, minute = 0) => ({ state, since: at(minute) });
const breach = { breach: true, unknown: false };
const clear = { breach: false, unknown: false };
const unknown = { breach: false, unknown: true };

describe("nextState", () => {
  it("fires at once without a `for`, and only after it has held `for` minutes with one", () => {
    expect(nextState(undefined, breach, 0, at(0))).toBe("firing");
    expect(nextState(undefined, breach, 3, at(0))).toBe("pending");
    expect(nextState(was("pending", 0), breach, 3, at(2))).toBe("pending");
    expect(nextState(was("pending", 0), breach, 3, at(3))).toBe("firing");
    expect(nextState(was("firing"), breach, 3, at(9))).toBe("firing");
    // pending from late in one minute, evaluated early in the next: a minute has passed
    const lateInMinute = { state: "pending" as const, since: new Date(at(0).getTime() + 50_000) };
    expect(nextState(lateInMinute, breach, 1, new Date(at(1).getTime() + 5_000))).toBe("firing");
  });

  it("resolves what fired, and forgets what was only pending", () => {
    expect(nextState(was("firing"), clear, 0, at(1))).toBe("resolved");
    expect(nextState(was("resolved"), clear, 0, at(2))).toBe("resolved");
    expect(nextState(was("pending"), clear, 5, at(1))).toBe("ok");
    expect(nextState(was("resolved"), breach, 0, at(3))).toBe("firing");
  });

  it("says there is no data for a target that sent none, resolving what was firing", () => {
    expect(nextState(undefined, unknown, 0, at(0))).toBe("no_data");
    expect(nextState(was("pending"), unknown, 0, at(0))).toBe("no_data");
    expect(nextState(was("firing"), unknown, 0, at(0))).toBe("resolved");
    expect(nextState(was("no_data"), clear, 0, at(0))).toBe("ok");
  });

  it("tells the channels of firing and of what follows it, nothing else", () => {
    expect(isNotified("pending", "firing")).toBe(true);
    expect(isNotified("firing", "resolved")).toBe(true);
    expect(isNotified("ok", "pending")).toBe(false);
    expect(isNotified("pending", "ok")).toBe(false);
    expect(isNotified("firing", "firing")).toBe(false);
  });
});

describe("conditions", () => {
  const rate = Condition.parse({
    kind: "service",
    service: "checkout",
    measure: "error_rate",
    op: "above",
    threshold: 0.05,
  });

  it("compare above and below strictly, a publisher's state and an absence without a threshold", () => {
    expect(breaches(rate, 0.05)).toBe(false);
    expect(breaches(rate, 0.051)).toBe(true);
    const low = Condition.parse({
      kind: "service",
      service: "api",
      measure: "request_rate",
      op: "below",
      threshold: 1,
    });
    expect(breaches(low, 0.5)).toBe(true);
    expect(breaches(Condition.parse({ kind: "publisher", publisher: "es" }), 1)).toBe(true);
    expect(breaches(Condition.parse({ kind: "absence", source: "service", name: "api" }), 0)).toBe(true);
    expect(breaches(Condition.parse({ kind: "absence", source: "service", name: "api" }), 3)).toBe(false);
  });

  it("read in words, with values in their units", () => {
    expect(describeCondition(rate)).toBe("checkout error_rate above 5% over 5 min");
    expect(formatValue(rate, 0.1234)).toBe("12.34%");
    expect(formatValue(rate, null)).toBe("no data");
    const stuck = Condition.parse({
      kind: "pipeline",
      event_name: "payment.capture",
      measure: "stuck",
      op: "above",
      threshold: 0,
    });
    expect(describeCondition(stuck)).toBe("payment.capture tasks pending over 30 min above 0 over 5 min");
  });

  it("name the field that is wrong", () => {
    const result = Condition.safeParse({
      kind: "network",
      host: "db",
      port: 70000,
      measure: "error_rate",
      op: "above",
      threshold: 1,
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join("."))).toEqual(["port"]);
  });
});

describe("alertMessage", () => {
  it("says what fired, the value against the threshold, and links to the page and the rule", () => {
    const condition = Condition.parse({
      kind: "metric",
      metric: "queue.depth",
      agg: "max",
      tags: ["region:eu"],
      group_by: ["host"],
      op: "above",
      threshold: 100,
      window_minutes: 10,
    });
    const message = alertMessage({
      base: "https://td.example",
      project: "shop",
      rule: { id: "r1", name: "queue backed up", severity: "critical", condition },
      group: "host=a",
      labels: { host: "a" },
      from: "pending",
      to: "firing",
      value: 250,
      at: at(30),
    });
    expect(message.summary).toBe(
      "[CRITICAL] queue backed up [host=a] is firing: max(queue.depth{region:eu}) above 100 over 10 min (now 250)",
    );
    const url = new URL(message.url);
    expect(url.pathname).toBe("/explore");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      project: "shop",
      metric: "queue.depth",
      agg: "max",
      tag: "region:eu",
      group_by: "host",
    });
    expect(new Date(url.searchParams.get("from")!).getTime()).toBe(at(30).getTime() - 60 * 60_000);
    expect(message.alert_url).toBe("https://td.example/alerts?project=shop&rule=r1");
  });
});
