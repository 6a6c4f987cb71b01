// Links to the Alerts page. "Alert on this" beside a chart opens the new-rule form filled in with what the chart
// shows; the form reads the same parameters back (see `draftFromParams`), so any condition field can ride in a link.
import type { AlertConditionInput, AlertConditionKind } from "@/components/data/types";
import { viewHref, viewQuery, type View } from "@/components/data/view";

/** What a link fills in on the new-rule form: the condition's kind and any of its fields. */
export type AlertPrefill = {
  [K in AlertConditionKind]: { kind: K } & Partial<Omit<Extract<AlertConditionInput, { kind: K }>, "kind">>;
}[AlertConditionKind];

/** `/alerts?new=1&kind=service&service=checkout&measure=p95_ms`, keeping the project and time range. */
export function newAlertHref(view: View, prefill: AlertPrefill): string {
  const params = new URLSearchParams(viewQuery(view));
  params.set("new", "1");
  for (const [key, value] of Object.entries(prefill) as [string, unknown][]) {
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else if (typeof value === "string" || typeof value === "number") {
      if (String(value).trim() !== "") params.set(key, String(value));
    }
  }
  return `/alerts?${params}`;
}

/** A rule with its history open on the Alerts page (where a notification's `alert_url` leads too). */
export const ruleHistoryHref = (view: View, ruleId: string | null) =>
  viewHref("/alerts", view, { rule: ruleId ?? undefined });
