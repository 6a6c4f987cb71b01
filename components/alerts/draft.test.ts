import { describe, expect, it } from "vitest";
import type { AlertRule } from "@/components/data/types";
import { draftFromParams, draftFromRule, EMPTY_DRAFT, ruleBody, withKind } from "./draft";

const params = (query: string) => new URLSearchParams(query);

describe("draftFromParams", () => {
  it("opens no form unless the URL asks for a new rule", () => {
    expect(draftFromParams(params("kind=service&service=checkout"))).toBeNull();
    expect(draftFromParams(params("new=1"))).toEqual(EMPTY_DRAFT);
  });

  it("fills in the fields given and names the rule after what it watches", () => {
    const draft = draftFromParams(params("new=1&kind=service&service=checkout&measure=p95_ms"))!;
    expect(draft).toMatchObject({ kind: "service", service: "checkout", measure: "p95_ms", name: "checkout p95_ms" });
    expect(draft.window_minutes).toBe("5");
  });

  it("reads `name` as an absence rule's target, not the rule's name", () => {
    const draft = draftFromParams(params("new=1&kind=absence&source=service&name=billing"))!;
    expect(draft.absence_name).toBe("billing");
    expect(draft.name).toBe("no data from billing");
  });

  it("falls back to defaults for values the form does not offer", () => {
    const draft = draftFromParams(params("new=1&kind=nonsense&measure=p95_latency_ms&op=sideways&severity=dire"))!;
    expect(draft).toMatchObject({ kind: "service", measure: "error_rate", op: "above", severity: "warning" });
    // a measure of another kind is replaced by the kind's first
    expect(draftFromParams(params("new=1&kind=network&measure=p95_ms"))!.measure).toBe("error_rate");
  });
});

describe("withKind", () => {
  it("keeps a measure the new kind has, else takes the kind's first, and keeps the other fields", () => {
    const service = { ...EMPTY_DRAFT, service: "checkout", measure: "error_rate" };
    expect(withKind(service, "network")).toMatchObject({ kind: "network", measure: "error_rate", service: "checkout" });
    expect(withKind({ ...service, measure: "p99_ms" }, "pipeline").measure).toBe("failure_rate");
  });
});

describe("ruleBody", () => {
  it("sends the chosen kind's fields only, with numbers as numbers", () => {
    const draft = {
      ...EMPTY_DRAFT,
      name: " checkout errors ",
      service: "checkout",
      event_name: "left from another kind",
      threshold: "0.1",
      for_minutes: "2",
      severity: "critical",
      channel_ids: ["c1"],
    };
    expect(ruleBody(draft)).toEqual({
      name: "checkout errors",
      condition: {
        kind: "service",
        service: "checkout",
        operation: undefined,
        measure: "error_rate",
        op: "above",
        threshold: 0.1,
        window_minutes: 5,
      },
      for_minutes: 2,
      severity: "critical",
      channel_ids: ["c1"],
      enabled: true,
    });
  });

  it("sends stuck_minutes only for stuck tasks, and splits tags and group keys", () => {
    const failing = ruleBody({ ...EMPTY_DRAFT, kind: "pipeline", event_name: "export", measure: "failures" });
    expect(failing.condition).not.toHaveProperty("stuck_minutes");
    const stuck = ruleBody({ ...EMPTY_DRAFT, kind: "pipeline", event_name: "export", measure: "stuck" });
    expect(stuck.condition).toMatchObject({ stuck_minutes: 30 });
    const metric = ruleBody({ ...EMPTY_DRAFT, kind: "metric", metric: "m", tags: " a:1  b:2 ", group_by: "x, y z" });
    expect(metric.condition).toMatchObject({ tags: ["a:1", "b:2"], group_by: ["x", "y", "z"] });
  });

  it("sends an empty required number as null for the API to name, never as 0", () => {
    const body = JSON.parse(JSON.stringify(ruleBody({ ...EMPTY_DRAFT, service: "s", threshold: "" })));
    expect(body.condition.threshold).toBeNull();
    expect(ruleBody({ ...EMPTY_DRAFT, window_minutes: "", for_minutes: "" })).toMatchObject({
      condition: { window_minutes: undefined },
      for_minutes: undefined,
    });
  });
});

describe("draftFromRule", () => {
  it("fills the form with a rule so that saving it unchanged sends the same rule", () => {
    const rule = {
      id: "r1",
      name: "eu queue",
      condition: {
        kind: "metric",
        metric: "queue.depth",
        agg: "max",
        tags: ["region:eu"],
        group_by: ["host"],
        op: "above",
        threshold: 100,
        window_minutes: 10,
      },
      for_minutes: 3,
      severity: "info",
      channel_ids: ["c1", "c2"],
      enabled: false,
    } as const satisfies Partial<AlertRule>;
    const body = ruleBody(draftFromRule(rule as unknown as AlertRule));
    expect(body).toEqual({
      name: rule.name,
      condition: rule.condition,
      for_minutes: 3,
      severity: "info",
      channel_ids: ["c1", "c2"],
      enabled: false,
    });
  });
});
