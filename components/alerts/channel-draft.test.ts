import { describe, expect, it } from "vitest";
import type { AlertChannel } from "@/components/data/types";
import { channelConfig, channelDraft, channelTarget, EMPTY_CHANNEL, REDACTED } from "./channel-draft";

const channel = (type: AlertChannel["type"], config: Record<string, unknown>) =>
  ({ id: "c1", name: "on-call", type, config, enabled: true }) as AlertChannel;

describe("channelConfig", () => {
  it("sends the chosen type's fields only", () => {
    const draft = { ...EMPTY_CHANNEL, url: " https://hooks.test/a ", host: "left from email" };
    expect(channelConfig(draft)).toEqual({ url: "https://hooks.test/a", secret: undefined });
    expect(
      channelConfig({ ...draft, type: "email", host: "smtp.test", from: "a@test", to: "b@test, c@test;d@test" }),
    ).toEqual({
      host: "smtp.test",
      port: 587,
      secure: false,
      username: undefined,
      password: undefined,
      from: "a@test",
      to: ["b@test", "c@test", "d@test"],
    });
  });
});

describe("channelDraft", () => {
  it("shows credentials empty, so that one left alone keeps its stored value", () => {
    const draft = channelDraft(channel("webhook", { url: "https://hooks.test/a", secret: REDACTED }));
    expect(draft).toMatchObject({ url: "https://hooks.test/a", secret: "" });
    // JSON leaves the secret out: the server keeps the one it has
    expect(JSON.parse(JSON.stringify(channelConfig(draft)))).toEqual({ url: "https://hooks.test/a" });
    expect(channelDraft(channel("slack", { url: REDACTED })).url).toBe("");
  });
});

describe("channelTarget", () => {
  it("says where a channel sends without showing a credential", () => {
    expect(channelTarget(channel("slack", { url: REDACTED }))).toBe("a Slack incoming webhook");
    expect(channelTarget(channel("email", { to: ["a@test", "b@test"] }))).toBe("to a@test, b@test");
    expect(channelTarget(channel("pagerduty", { routing_key: REDACTED }))).toBe("PagerDuty Events API v2");
  });
});
