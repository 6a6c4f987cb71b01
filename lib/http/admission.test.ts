import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/errors";
import { Admission } from "./admission";

const MiB = 1024 * 1024;

const refused = (take: () => unknown) => {
  try {
    take();
  } catch (error) {
    return error instanceof ApiError ? { code: error.code, retryAfter: error.retryAfter } : error;
  }
  return "admitted";
};

describe("ingest admission", () => {
  it("takes requests until the places run out, then answers 429 with Retry-After", () => {
    const admission = new Admission(2, 16 * MiB);
    const first = admission.enter(MiB);
    admission.enter(MiB);
    expect(refused(() => admission.enter(MiB))).toEqual({ code: "rate_limited", retryAfter: 1 });
    first();
    expect(refused(() => admission.enter(MiB))).toBe("admitted");
  });

  it("shares the bytes among small requests", () => {
    const admission = new Admission(100, 16 * MiB);
    const leaves = [admission.enter(3 * MiB), admission.enter(3 * MiB), admission.enter(3 * MiB)];
    admission.enter(3 * MiB);
    admission.enter(3 * MiB);
    expect(refused(() => admission.enter(3 * MiB))).toMatchObject({ code: "rate_limited" });
    leaves[0]!();
    expect(admission.inFlight).toEqual({ requests: 4, bytes: 12 * MiB, large: false });
    expect(refused(() => admission.enter(3 * MiB))).toBe("admitted");
  });

  it("keeps one place for a large request beside the small ones, one at a time", () => {
    const admission = new Admission(100, 16 * MiB);
    for (let i = 0; i < 5; i++) admission.enter(3 * MiB);
    const large = admission.enter(20 * MiB);
    expect(refused(() => admission.enter(5 * MiB))).toMatchObject({ code: "rate_limited" });
    large();
    expect(refused(() => admission.enter(5 * MiB))).toBe("admitted");
  });

  it("gives a place back once, however often it is left", () => {
    const admission = new Admission(100, 16 * MiB);
    const leave = admission.enter(MiB);
    leave();
    leave();
    expect(admission.inFlight).toEqual({ requests: 0, bytes: 0, large: false });
  });
});
