/** A span of time as the reference client's timedelta: its parts, summed. */
export interface TimeSpan {
  milliseconds?: number;
  seconds?: number;
  minutes?: number;
}

/**
 * Milliseconds of a timeout as the reference client's methods take it: a number of seconds (so `shutdown(60)`
 * waits a minute, as it does in Python), or a TimeSpan (`{ milliseconds: 500 }`).
 */
export function timeoutMs(timeout: number | TimeSpan): number {
  if (typeof timeout === "number") return timeout * 1000;
  return (timeout.milliseconds ?? 0) + (timeout.seconds ?? 0) * 1000 + (timeout.minutes ?? 0) * 60_000;
}
