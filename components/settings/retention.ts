import type { BodyOf } from "@/components/data/api";
import type { Retention, RetentionSignal, SignalStorage } from "@/components/data/types";

// What the Storage settings show and send, kept apart from the page so that it can be tested alone.

/** The signals in the order the page lists them, each with what it holds in a user's words. */
export const SIGNALS = [
  { signal: "traces", label: "Traces", holds: "spans and trace summaries" },
  { signal: "logs", label: "Logs", holds: "log records" },
  { signal: "events", label: "Events", holds: "standalone events" },
  { signal: "metrics", label: "Metrics", holds: "metric points" },
  { signal: "pipeline", label: "Pipeline", holds: "task events and network operations" },
  { signal: "rollups", label: "Rollups", holds: "per-minute summaries behind wide time ranges" },
] as const satisfies readonly { signal: RetentionSignal; label: string; holds: string }[];

export const SOURCE_LABELS: Record<SignalStorage["source"], string> = {
  setting: "saved setting",
  environment: "environment",
  default: "built-in default",
};

/** The days typed into the form, by signal; a signal not typed into keeps what the server said. */
export type DayDrafts = Partial<Record<RetentionSignal, string>>;

/**
 * The PATCH body for the signals whose typed days differ from the saved ones, or null when none
 * do. What was typed is sent as a number even when the server will refuse it (0, 2.5, empty),
 * so that the refusal names the field in the API's words instead of a second set of rules here.
 */
export function changedDays(saved: Retention, drafts: DayDrafts): BodyOf<"updateRetention"> | null {
  const update: Partial<Record<RetentionSignal, number>> = {};
  for (const { signal } of SIGNALS) {
    const draft = drafts[signal];
    if (draft === undefined || draft.trim() === String(saved[signal].days)) continue;
    // an empty field is no number: JSON sends it as null, which the API refuses by name
    update[signal] = draft.trim() === "" ? Number.NaN : Number(draft);
  }
  return Object.keys(update).length === 0 ? null : update;
}

/** The disk all signals use together. */
export const totalBytes = (retention: Retention): number =>
  SIGNALS.reduce((sum, { signal }) => sum + retention[signal].bytes, 0);
