import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW, type View } from "@/components/data/view";
import { pathSegment, serviceHref, taskHref, traceHref } from "./links";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";
const view: View = { project: "shop", from: "now-6h", to: "now" };

/** Where a link on a page of this origin really goes. */
const resolved = (href: string) => new URL(href, "https://tracedeck.test/traces/x");

describe("traceHref", () => {
  it("links a trace id to its page, keeping the view and opening the span", () => {
    expect(traceHref(TRACE, view, SPAN)).toBe(`/traces/${TRACE}?project=shop&from=now-6h&span=${SPAN}`);
    expect(traceHref(TRACE, DEFAULT_VIEW)).toBe(`/traces/${TRACE}`);
  });

  it("lower-cases an upper-case hex id", () => {
    expect(traceHref(TRACE.toUpperCase(), DEFAULT_VIEW, SPAN.toUpperCase())).toBe(`/traces/${TRACE}?span=${SPAN}`);
  });

  it.each([
    "../..//evil.example/x",
    "//evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    `${TRACE}/../../x`,
    `${TRACE}0`,
    TRACE.slice(1),
    "",
    undefined,
    42,
  ])("gives no link for a trace id that is not 32 hex digits: %j", (traceId) => {
    expect(traceHref(traceId, view, SPAN)).toBeUndefined();
  });

  it("drops a span id that is not 16 hex digits, keeping the link to the trace", () => {
    expect(traceHref(TRACE, DEFAULT_VIEW, "x&project=other")).toBe(`/traces/${TRACE}`);
    expect(traceHref(TRACE, DEFAULT_VIEW, "../..")).toBe(`/traces/${TRACE}`);
  });
});

describe("taskHref and serviceHref", () => {
  it("percent-encode the value as one path segment", () => {
    expect(taskHref("import/2024 #7?x=1", DEFAULT_VIEW)).toBe("/events/import%2F2024%20%237%3Fx%3D1");
    expect(serviceHref("checkout api", view)).toBe("/services/checkout%20api?project=shop&from=now-6h");
    expect(serviceHref("ünïcode", DEFAULT_VIEW)).toBe("/services/%C3%BCn%C3%AFcode");
  });

  it.each([
    "../..//evil.example/x",
    "//evil.example",
    "https://evil.example",
    "\\\\evil.example",
    "%2e%2e",
    "a/../../b",
  ])("keep a hostile value inside its page's path: %j", (value) => {
    for (const href of [taskHref(value, DEFAULT_VIEW), serviceHref(value, DEFAULT_VIEW)]) {
      expect(href).toBeDefined();
      const url = resolved(href!);
      expect(url.origin).toBe("https://tracedeck.test");
      expect(url.pathname.split("/")).toHaveLength(3);
      expect(decodeURIComponent(url.pathname.split("/")[2]!)).toBe(value);
    }
  });

  it.each([".", "..", ""])("give no link for a value no path segment can hold: %j", (value) => {
    expect(pathSegment(value)).toBeUndefined();
    expect(taskHref(value, DEFAULT_VIEW)).toBeUndefined();
    expect(serviceHref(value, DEFAULT_VIEW)).toBeUndefined();
  });
});
