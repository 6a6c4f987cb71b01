import type { AlertState } from "@/db/schema";

// How a group of a rule moves between states on each evaluation:
//
//   breaching:      ok, resolved, no_data → pending (firing at once when `for` is 0);
//                   pending → firing once it has been pending `for` minutes
//   not breaching:  firing → resolved; pending, no_data → ok; ok and resolved stay
//   target unknown: firing → resolved; anything else → no_data (a rule over data that does not exist says so)
//
// Only entering firing and leaving it are told to the channels.

export interface Previous {
  state: AlertState;
  since: Date;
}

export interface Verdict {
  /** the value breaches the condition */
  breach: boolean;
  /** the target has sent nothing recently */
  unknown: boolean;
}

/**
 * Whole minutes from one evaluation to another: a rule is evaluated once in each minute, at whatever second its
 * node's pass comes, so `for` counts the minutes evaluated, not the seconds between two passes.
 */
const minutesBetween = (from: Date, to: Date) =>
  Math.floor(to.getTime() / 60_000) - Math.floor(from.getTime() / 60_000);

export function nextState(previous: Previous | undefined, verdict: Verdict, forMinutes: number, now: Date): AlertState {
  const state = previous?.state ?? "ok";
  if (verdict.unknown) return state === "firing" ? "resolved" : "no_data";
  if (!verdict.breach) {
    if (state === "firing") return "resolved";
    return state === "resolved" ? "resolved" : "ok";
  }
  if (state === "firing") return "firing";
  if (state === "pending") return minutesBetween(previous!.since, now) >= forMinutes ? "firing" : "pending";
  return forMinutes === 0 ? "firing" : "pending";
}

/** Whether a change is one the channels hear of. */
export const isNotified = (from: AlertState, to: AlertState) => from !== to && (to === "firing" || from === "firing");

/** The order the Alerts page lists states in: what needs someone first. */
export const STATE_ORDER: Record<AlertState, number> = { firing: 0, pending: 1, no_data: 2, resolved: 3, ok: 4 };
