import { describe, expect, it } from "vitest";
import { readTraceReference } from "./trace-reference";

const id = "4bf92f3577b34da6a3ce929d0e0e4736";

describe("reading a pasted trace reference", () => {
  it("takes a trace id in any case, spaces around it trimmed", () => {
    expect(readTraceReference(id)).toEqual({ traceId: id });
    expect(readTraceReference(`  ${id.toUpperCase()}\n`)).toEqual({ traceId: id });
  });

  it("takes the trace id out of a traceparent header value", () => {
    expect(readTraceReference(`00-${id}-00f067aa0ba902b7-01`)).toEqual({ traceId: id });
    expect(readTraceReference(` 00-${id.toUpperCase()}-00F067AA0BA902B7-00 `)).toEqual({ traceId: id });
    expect(readTraceReference(`ff-${id}-00f067aa0ba902b7-01`)).toBeUndefined();
  });

  it("takes the trace and its open span out of a link to the trace's page", () => {
    expect(readTraceReference(`https://tracedeck.example/traces/${id}`)).toEqual({ traceId: id });
    expect(readTraceReference(`http://localhost:3000/traces/${id}?project=shop&span=00f067aa0ba902b7`)).toEqual({
      traceId: id,
      spanId: "00f067aa0ba902b7",
    });
    expect(readTraceReference(`/traces/${id}#logs`)).toEqual({ traceId: id });
  });

  it("refuses anything else", () => {
    for (const value of [
      "",
      "   ",
      id.slice(1),
      `${id}0`,
      `${id.slice(1)}g`,
      "0".repeat(32),
      `https://tracedeck.example/traces/${id}0`,
      `https://tracedeck.example/services/${id}`,
      "checkout failed",
    ]) {
      expect(readTraceReference(value), value).toBeUndefined();
    }
  });
});
