import type { AlertSeverity, AlertState } from "@/components/data/types";

// An alert's state and a rule's severity as small colored labels, the same wherever they show.

const STATE_STYLE: Record<AlertState, string> = {
  firing: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  pending: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  no_data: "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  resolved: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  ok: "bg-emerald-50 text-emerald-700 dark:bg-emerald-950/60 dark:text-emerald-400",
};

export const STATE_LABELS: Record<AlertState, string> = {
  firing: "firing",
  pending: "pending",
  no_data: "no data",
  resolved: "resolved",
  ok: "ok",
};

const SEVERITY_STYLE: Record<AlertSeverity, string> = {
  critical: "border-red-300 text-red-700 dark:border-red-800 dark:text-red-300",
  warning: "border-amber-300 text-amber-700 dark:border-amber-800 dark:text-amber-300",
  info: "border-sky-300 text-sky-700 dark:border-sky-800 dark:text-sky-300",
};

export function StateBadge({ state }: { state: AlertState }) {
  return (
    <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${STATE_STYLE[state]}`} data-state={state}>
      {STATE_LABELS[state]}
    </span>
  );
}

export function SeverityBadge({ severity }: { severity: AlertSeverity }) {
  return (
    <span className={`rounded border px-1.5 py-0.5 text-xs ${SEVERITY_STYLE[severity]}`} data-severity={severity}>
      {severity}
    </span>
  );
}
