import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW, type View } from "@/components/data/view";
import { draftFromParams, ruleBody } from "./draft";
import { newAlertHref, ruleHistoryHref, type AlertPrefill } from "./links";

const view: View = { project: "shop", from: "now-6h", to: "now" };
const paramsOf = (href: string) => new URL(href, "https://tracedeck.test").searchParams;

describe("newAlertHref", () => {
  it("opens the new-rule form with the condition's fields, keeping the project and time range", () => {
    expect(newAlertHref(view, { kind: "service", service: "checkout", measure: "p95_ms" })).toBe(
      "/alerts?project=shop&from=now-6h&new=1&kind=service&service=checkout&measure=p95_ms",
    );
    expect(newAlertHref(DEFAULT_VIEW, { kind: "pipeline", event_name: "export", measure: "failure_rate" })).toBe(
      "/alerts?new=1&kind=pipeline&event_name=export&measure=failure_rate",
    );
  });

  it("repeats list fields, writes numbers, and leaves out what is empty", () => {
    const href = newAlertHref(DEFAULT_VIEW, {
      kind: "metric",
      metric: "queue.depth",
      agg: "max",
      tags: ["region:eu", "env:prod"],
      group_by: ["host"],
      threshold: 100,
      window_minutes: undefined,
    });
    const params = paramsOf(href);
    expect(params.getAll("tags")).toEqual(["region:eu", "env:prod"]);
    expect(params.getAll("group_by")).toEqual(["host"]);
    expect(params.get("threshold")).toBe("100");
    expect(params.has("window_minutes")).toBe(false);
    expect(newAlertHref(DEFAULT_VIEW, { kind: "service", service: " ", operation: "" })).toBe(
      "/alerts?new=1&kind=service",
    );
  });

  it("encodes values that would break the query string", () => {
    const params = paramsOf(newAlertHref(DEFAULT_VIEW, { kind: "service", service: "a&b=c #1", operation: "GET /?x" }));
    expect(params.get("service")).toBe("a&b=c #1");
    expect(params.get("operation")).toBe("GET /?x");
    expect(params.get("kind")).toBe("service");
  });

  it("is read back by the form as the same condition", () => {
    const cases = [
      { kind: "service", service: "checkout", operation: "POST /pay", measure: "error_rate", threshold: 0.1 },
      { kind: "pipeline", event_name: "export", measure: "stuck", stuck_minutes: 45, threshold: 3 },
      { kind: "network", host: "db.internal", port: 5432, measure: "p95_latency_ms", threshold: 250 },
      {
        kind: "metric",
        metric: "queue.depth",
        agg: "max",
        tags: ["region:eu"],
        group_by: ["host"],
        op: "below",
        threshold: 1,
        window_minutes: 15,
      },
      { kind: "publisher", publisher: "search", when: "degraded" },
      { kind: "absence", source: "pipeline_event", name: "nightly", window_minutes: 90 },
    ] satisfies AlertPrefill[];
    for (const condition of cases) {
      const draft = draftFromParams(paramsOf(newAlertHref(view, condition)));
      expect(draft, condition.kind).not.toBeNull();
      expect(ruleBody(draft!).condition, condition.kind).toMatchObject(condition);
    }
  });
});

describe("ruleHistoryHref", () => {
  it("names the rule on the Alerts page, or closes it", () => {
    expect(ruleHistoryHref(view, "0b6c0e5e-4a52-4a8e-9f7e-9d7f0b1f2c3d")).toBe(
      "/alerts?project=shop&from=now-6h&rule=0b6c0e5e-4a52-4a8e-9f7e-9d7f0b1f2c3d",
    );
    expect(ruleHistoryHref(DEFAULT_VIEW, null)).toBe("/alerts");
  });
});
