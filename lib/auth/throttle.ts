import { ApiError } from "@/lib/errors";

// Repeated failed sign-ins for one account from one address are slowed: after MAX_FAILURES in
// WINDOW_MS, further attempts answer 429 until the window has passed. Kept in memory, per node.

const WINDOW_MS = 15 * 60_000;
const MAX_FAILURES = 5;
const failures = new Map<string, number[]>();

const recent = (key: string, now: number) => (failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);

export function assertNotThrottled(key: string, now: number): void {
  const times = recent(key, now);
  if (times.length >= MAX_FAILURES) {
    const retryAfter = Math.ceil((WINDOW_MS - (now - times[0]!)) / 1000);
    throw new ApiError("rate_limited", "too many failed sign-ins; try again later", undefined, retryAfter);
  }
}

export function recordFailure(key: string, now: number): void {
  const times = recent(key, now);
  times.push(now);
  failures.set(key, times);
  if (failures.size > 100_000) failures.delete(failures.keys().next().value!);
}

export function clearFailures(key: string): void {
  failures.delete(key);
}
