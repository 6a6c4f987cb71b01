import { describe, expect, it } from "vitest";
import { loginPath, returnPath } from "./return-to";

describe("returnPath", () => {
  it("keeps a dashboard path with its query", () => {
    expect(returnPath("/traces?service=api&from=now-1h")).toBe("/traces?service=api&from=now-1h");
    expect(returnPath("/services/checkout%2Fv2")).toBe("/services/checkout%2Fv2");
  });

  it("returns to the overview for anything that would leave the dashboard", () => {
    for (const value of [
      null,
      undefined,
      "",
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "\\\\evil.example",
      "javascript:alert(1)",
      "/\r\nSet-Cookie:x",
      "/\tevil",
      "/api/v1/keys",
      "/v1/traces",
      "/login?next=/x",
      "/setup",
      "traces",
    ])
      expect(returnPath(value), String(value)).toBe("/");
  });
});

describe("loginPath", () => {
  it("carries the page in `next`, or nothing for the overview", () => {
    expect(loginPath("/traces?service=api")).toBe("/login?next=%2Ftraces%3Fservice%3Dapi");
    expect(loginPath("/")).toBe("/login");
    expect(loginPath("//evil.example")).toBe("/login");
  });
});
