import { describe, expect, it } from "vitest";
import { publisherView } from "./state";

const base = {
  enabled: true,
  state: "healthy" as const,
  sent_count: 0,
  failed_count: 0,
  dropped_count: 0,
  backlog: 0,
  last_success_at: null,
  last_error: null,
};

describe("publisherView", () => {
  it("says nothing was sent yet rather than healthy, until something was", () => {
    expect(publisherView(base)).toMatchObject({ state: "idle", label: "nothing sent yet" });
    expect(publisherView({ ...base, sent_count: 3, last_success_at: "2026-12-06T02:00:00Z" })).toEqual({
      state: "healthy",
      label: "healthy",
      note: null,
    });
  });

  it("says a failing publisher's records wait to be retried", () => {
    expect(publisherView({ ...base, state: "failing", backlog: 1200, last_error: "connect ECONNREFUSED" })).toEqual({
      state: "failing",
      label: "failing",
      note: "1,200 records wait to be retried; none is lost until the backlog is full.",
    });
    expect(publisherView({ ...base, state: "failing", backlog: 1 }).note).toMatch(/^1 record waits/);
    expect(publisherView({ ...base, state: "failing" }).note).toBe("Its last attempt failed; it retries with backoff.");
  });

  it("keeps disabled, unreported and degraded as they are", () => {
    expect(publisherView({ ...base, enabled: false }).label).toBe("disabled");
    expect(publisherView({ ...base, state: null }).label).toBe("no report yet");
    expect(publisherView({ ...base, state: "degraded", dropped_count: 4 }).label).toBe("degraded");
  });
});
