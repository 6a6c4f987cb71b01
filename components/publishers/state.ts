import type { Publisher } from "@/components/data/types";

// What a publisher's badge and counts say: its reported state, read so that it does not mislead: "healthy" before
// anything was sent is only waiting, and a failing publisher's records are not lost but waiting to be retried.

export type ShownState = "healthy" | "degraded" | "failing" | "disabled" | "idle" | "unreported";

export interface PublisherView {
  state: ShownState;
  label: string;
  /** a line under the counts, when they alone would mislead */
  note: string | null;
}

type Shown = Pick<
  Publisher,
  "enabled" | "state" | "sent_count" | "failed_count" | "dropped_count" | "backlog" | "last_success_at" | "last_error"
>;

const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

export function publisherView(p: Shown): PublisherView {
  if (!p.enabled) return { state: "disabled", label: "disabled", note: null };
  if (!p.state) return { state: "unreported", label: "no report yet", note: null };
  const nothingYet = p.sent_count === 0 && p.failed_count === 0 && p.dropped_count === 0 && !p.last_success_at;
  if (p.state === "healthy" && nothingYet && !p.last_error)
    return { state: "idle", label: "nothing sent yet", note: "It sends once there is telemetry to forward." };
  if (p.state === "failing")
    return {
      state: "failing",
      label: "failing",
      note:
        p.backlog > 0
          ? `${plural(p.backlog, "record waits", "records wait")} to be retried; none is lost until the backlog is full.`
          : "Its last attempt failed; it retries with backoff.",
    };
  return { state: p.state, label: p.state, note: null };
}
