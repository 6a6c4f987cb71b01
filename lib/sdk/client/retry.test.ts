import { afterEach, describe, expect, it, vi } from "vitest";
import { RetryableError, TracedeckError } from "./errors";
import { isNetworkError, parseRetryAfter, retryWithBackoff, type RetryInfo } from "./retry";

const failWith = (status: number, retryAfterMs?: number) =>
  new RetryableError(`answered ${status}`, { status, retryAfterMs });

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-22T08:00:00Z");
  it("reads delay-seconds and HTTP dates", () => {
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("Sun, 22 Nov 2026 08:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Sun, 22 Nov 2026 07:00:00 GMT", now)).toBe(0);
  });
  it("ignores what it cannot read", () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter("-1")).toBeUndefined();
  });
});

describe("retryWithBackoff", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("retries retryable statuses until it succeeds, telling onRetry each time", async () => {
    const retries: RetryInfo[] = [];
    const fn = vi.fn(async (attempt: number) => {
      if (attempt < 3) throw failWith(attempt === 1 ? 503 : 429);
      return "stored";
    });
    await expect(retryWithBackoff(fn, { baseDelayMs: 1, onRetry: (info) => retries.push(info) })).resolves.toBe(
      "stored",
    );
    expect(fn).toHaveBeenCalledTimes(3);
    expect(retries.map((r) => [r.attempt, (r.error as TracedeckError).status])).toEqual([
      [1, 503],
      [2, 429],
    ]);
  });

  it("does not retry a request the server refused for good", async () => {
    const fn = vi.fn(async () => {
      throw new TracedeckError("bad request", { status: 400 });
    });
    await expect(retryWithBackoff(fn, { baseDelayMs: 1 })).rejects.toMatchObject({ status: 400 });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("gives up after maxAttempts with the last error", async () => {
    const fn = vi.fn(async (attempt: number) => {
      throw failWith(501 + attempt);
    });
    await expect(retryWithBackoff(fn, { maxAttempts: 3, baseDelayMs: 1 })).rejects.toMatchObject({ status: 504 });
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it("takes the reference client's maxRetries: retries after the first attempt", async () => {
    const fn = vi.fn(async (attempt: number) => {
      throw failWith(501 + attempt);
    });
    await expect(retryWithBackoff(fn, { maxRetries: 2, baseDelayMs: 1 })).rejects.toMatchObject({ status: 504 });
    expect(fn).toHaveBeenCalledTimes(3);
    fn.mockClear();
    await expect(retryWithBackoff(fn, { maxRetries: 0, baseDelayMs: 1 })).rejects.toMatchObject({ status: 502 });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("waits a random time within the doubling window, capped at maxDelayMs", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const delays: number[] = [];
    const fn = async () => {
      throw failWith(502);
    };
    const capped = expect(
      retryWithBackoff(fn, {
        maxAttempts: 5,
        baseDelayMs: 4,
        maxDelayMs: 10,
        random: () => 0.999,
        onRetry: (i) => delays.push(i.delayMs),
      }),
    ).rejects.toThrow();
    await vi.runAllTimersAsync();
    await capped;
    expect(delays).toEqual([3, 7, 9, 9]);
    const none: number[] = [];
    const immediate = expect(
      retryWithBackoff(fn, {
        maxAttempts: 3,
        baseDelayMs: 1000,
        random: () => 0,
        onRetry: (i) => none.push(i.delayMs),
      }),
    ).rejects.toThrow();
    await vi.runAllTimersAsync();
    await immediate;
    expect(none).toEqual([0, 0]);
  });

  it("waits what the server's Retry-After asks instead of its own backoff", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const retries: RetryInfo[] = [];
    let calls = 0;
    const done = retryWithBackoff(
      async () => {
        if (calls++ === 0) throw failWith(503, 300);
      },
      { baseDelayMs: 1, onRetry: (i) => retries.push(i) },
    );
    await vi.advanceTimersByTimeAsync(299);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(calls).toBe(2);
    expect(retries[0]?.delayMs).toBe(300);
  });

  it("does not wait for a Retry-After longer than it agreed to", async () => {
    const fn = vi.fn(async () => {
      throw failWith(429, 3_600_000);
    });
    await expect(retryWithBackoff(fn, { maxRetryAfterMs: 60_000 })).rejects.toMatchObject({ status: 429 });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("retries network errors: a refused connection", async () => {
    const fn = vi.fn(() => fetch("http://127.0.0.1:9/"));
    const error = await retryWithBackoff(fn, { maxAttempts: 2, baseDelayMs: 1 }).catch((e: unknown) => e);
    expect(isNetworkError(error)).toBe(true);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it("stops waiting as soon as it is aborted", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const controller = new AbortController();
    const pending = retryWithBackoff(
      async () => {
        throw failWith(503, 10_000);
      },
      { signal: controller.signal, onRetry: () => setTimeout(() => controller.abort(new Error("shutting down")), 20) },
    );
    const outcome = expect(pending).rejects.toThrow("shutting down");
    await vi.advanceTimersByTimeAsync(20);
    await outcome;
    // the 10 s wait it was in was let go with the abort
    expect(vi.getTimerCount()).toBe(0);
  });
});
