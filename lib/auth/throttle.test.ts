import { describe, expect, it } from "vitest";
import { addressKey, createThrottle, DEFAULT_LIMITS } from "./throttle";

const WINDOW = DEFAULT_LIMITS.windowMs;
const t0 = 1_000_000;

describe("password throttle", () => {
  it("refuses an address after ten failures in the window with a Retry-After, and lets it try again later", () => {
    const throttle = createThrottle();
    for (let i = 0; i < 10; i++)
      throttle.begin({ account: `guess${i}@example.com`, address: "203.0.113.9", now: t0 + i }).failed();
    let refused: unknown;
    try {
      throttle.begin({ account: "owner@example.com", address: "203.0.113.9", now: t0 + 60_000 });
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ code: "rate_limited", retryAfter: Math.ceil((WINDOW - 60_000) / 1000) });
    expect(() =>
      throttle.begin({ account: "owner@example.com", address: "203.0.113.9", now: t0 + WINDOW + 1 }),
    ).not.toThrow();
  });

  it("counts guesses sent at once before any is answered", () => {
    const throttle = createThrottle();
    const started = [];
    for (let i = 0; i < 10; i++)
      started.push(throttle.begin({ account: "owner@example.com", address: "203.0.113.9", now: t0 }));
    expect(() => throttle.begin({ account: "owner@example.com", address: "203.0.113.9", now: t0 })).toThrow();
    // requests that never checked a password (invalid input) are not held against the address
    for (const attempt of started) attempt.abandoned();
    expect(() => throttle.begin({ account: "owner@example.com", address: "203.0.113.9", now: t0 })).not.toThrow();
  });

  it("does not refuse the owner at another address: the account's failures only delay, a few seconds at most", () => {
    const throttle = createThrottle();
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const address = `198.51.100.${i}`;
      const attempt = throttle.begin({ account: "owner@example.com", address, now: t0 + i });
      delays.push(attempt.delayMs);
      attempt.failed();
    }
    expect(delays.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(delays.slice(5, 8)).toEqual([500, 1000, 1500]);
    expect(Math.max(...delays)).toBe(3000);
    const owner = throttle.begin({ account: "owner@example.com", address: "192.0.2.1", now: t0 + 100 });
    expect(owner.delayMs).toBe(3000);
    owner.succeeded();
    // the right password clears the account's failures
    expect(throttle.begin({ account: "owner@example.com", address: "192.0.2.1", now: t0 + 200 }).delayMs).toBe(0);
    expect(throttle.begin({ account: "other@example.com", address: "192.0.2.2", now: t0 + 200 }).delayMs).toBe(0);
  });

  it("does not let a success wipe an address's earlier failures", () => {
    const throttle = createThrottle();
    for (let i = 0; i < 9; i++)
      throttle.begin({ account: "victim@example.com", address: "203.0.113.7", now: t0 }).failed();
    // the guesser signs in to an account of their own in between
    throttle.begin({ account: "mine@example.com", address: "203.0.113.7", now: t0 }).succeeded();
    throttle.begin({ account: "victim@example.com", address: "203.0.113.7", now: t0 }).failed();
    expect(() => throttle.begin({ account: "victim@example.com", address: "203.0.113.7", now: t0 })).toThrow();
  });

  it("counts an IPv6 address by its /64, and forgets the oldest entries past its size", () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:2::ffff")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("10.1.2.3")).toBe("10.1.2.3");
    const throttle = createThrottle({ ...DEFAULT_LIMITS, maxEntries: 3 });
    for (let i = 0; i < 10; i++)
      throttle.begin({ account: "a@example.com", address: `2001:db8:0:1::${i}`, now: t0 }).failed();
    expect(() => throttle.begin({ account: "a@example.com", address: "2001:db8:0:1::ffff", now: t0 })).toThrow();
    for (let i = 0; i < 3; i++) throttle.begin({ account: "b@example.com", address: `192.0.2.${i}`, now: t0 }).failed();
    expect(() => throttle.begin({ account: "a@example.com", address: "2001:db8:0:1::ffff", now: t0 })).not.toThrow();
  });
});
