import type { AlertSeverity, AlertState } from "@/db/schema";
import { describeCondition, formatValue, thresholdOf, windowOf, type Condition } from "./condition";

// What a notification says, whatever the channel: what fired (or cleared), the value against the
// threshold, and links to the page that shows it and to the rule on the Alerts page.

export interface AlertMessage {
  /** firing, resolved, or test (a channel's test message) */
  status: "firing" | "resolved" | "test";
  project: string;
  rule_id: string;
  rule: string;
  severity: AlertSeverity;
  /** the group of a metric rule grouped by tags ("region=eu"); empty otherwise */
  group: string;
  labels: Record<string, string>;
  condition: string;
  value: number | null;
  value_text: string;
  threshold: number;
  /** the state left and the state entered */
  from_state: AlertState;
  to_state: AlertState;
  at: string;
  /** the page that shows what the rule measures, over the window that fired */
  url: string;
  /** the rule on the Alerts page */
  alert_url: string;
  /** one line for a chat message or an email subject */
  summary: string;
}

/** The dashboard page that shows what the condition measures, from `at` less the window (or an hour) to `at`. */
export function pageUrl(base: string, project: string, c: Condition, at: Date): string {
  const minutes = Math.max(windowOf(c), 60);
  const params = new URLSearchParams({
    project,
    from: new Date(at.getTime() - minutes * 60_000).toISOString(),
    to: at.toISOString(),
  });
  const segment = (v: string) => encodeURIComponent(v);
  switch (c.kind) {
    case "service":
      return `${base}/services/${segment(c.service)}?${params}`;
    case "pipeline":
      params.set("event_name", c.event_name);
      return `${base}/events?${params}`;
    case "network":
      params.set("host", c.host);
      return `${base}/network?${params}`;
    case "metric":
      params.set("metric", c.metric);
      params.set("agg", c.agg);
      for (const t of c.tags) params.append("tag", t);
      if (c.group_by.length) params.set("group_by", c.group_by.join(","));
      return `${base}/explore?${params}`;
    case "publisher":
      return `${base}/publishers?${params}`;
    case "absence":
      if (c.source === "service") return `${base}/services/${segment(c.name)}?${params}`;
      params.set("event_name", c.name);
      return `${base}/events?${params}`;
  }
}

export function alertMessage(input: {
  base: string;
  project: string;
  rule: { id: string; name: string; severity: AlertSeverity; condition: Condition };
  group: string;
  labels: Record<string, string>;
  from: AlertState;
  to: AlertState;
  value: number | null;
  at: Date;
}): AlertMessage {
  const { rule, base, project } = input;
  const status = input.to === "firing" ? "firing" : "resolved";
  const valueText = formatValue(rule.condition, input.value);
  const where = input.group ? ` [${input.group}]` : "";
  return {
    status,
    project,
    rule_id: rule.id,
    rule: rule.name,
    severity: rule.severity,
    group: input.group,
    labels: input.labels,
    condition: describeCondition(rule.condition),
    value: input.value,
    value_text: valueText,
    threshold: thresholdOf(rule.condition),
    from_state: input.from,
    to_state: input.to,
    at: input.at.toISOString(),
    url: pageUrl(base, project, rule.condition, input.at),
    alert_url: `${base}/alerts?${new URLSearchParams({ project, rule: rule.id })}`,
    summary:
      status === "firing"
        ? `[${rule.severity.toUpperCase()}] ${rule.name}${where} is firing: ${describeCondition(rule.condition)} (now ${valueText})`
        : `[RESOLVED] ${rule.name}${where}: ${describeCondition(rule.condition)} no longer holds (now ${valueText})`,
  };
}
