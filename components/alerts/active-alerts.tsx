"use client";

import Link from "next/link";
import { useEndpoint, useView } from "@/components/data/hooks";
import { alertsRequest } from "@/components/data/requests";
import type { ActiveAlert } from "@/components/data/types";
import { Panel } from "@/components/ui/panel";
import { EmptyState, QueryState } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { SeverityBadge, StateBadge } from "./badges";
import { ruleHistoryHref } from "./links";
import { ALERTS_REFRESH_MS } from "./refresh";

/** What is not ok now, firing first (the API's order), each linking to its rule's history. */
export function ActiveAlertsPanel() {
  const view = useView();
  const alerts = useEndpoint(alertsRequest(view), { refetchInterval: ALERTS_REFRESH_MS });
  const counts = alerts.data && (
    <p className="text-xs text-zinc-500" data-testid="alert-counts">
      {alerts.data.firing} firing · {alerts.data.pending} pending
    </p>
  );
  return (
    <Panel title="Alerting now" actions={counts}>
      <QueryState query={alerts} what="alerts">
        {({ alerts: list }) =>
          list.length === 0 ? (
            <EmptyState title="Nothing is firing">
              Every rule is ok: none is firing, pending or without data.
            </EmptyState>
          ) : (
            <ul aria-label="Alerts now" className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {list.map((alert) => (
                <AlertItem key={`${alert.rule_id}\u0000${alert.group}`} alert={alert} />
              ))}
            </ul>
          )
        }
      </QueryState>
    </Panel>
  );
}

function AlertItem({ alert }: { alert: ActiveAlert }) {
  const view = useView();
  const firing = alert.state === "firing";
  return (
    <li
      data-rule={alert.rule}
      data-state={alert.state}
      className={`flex flex-wrap items-baseline gap-x-3 gap-y-1 py-2 text-sm ${firing ? "" : "text-zinc-600 dark:text-zinc-400"}`}
    >
      <StateBadge state={alert.state} />
      <SeverityBadge severity={alert.severity} />
      <Link
        href={ruleHistoryHref(view, alert.rule_id)}
        scroll={false}
        className={`text-sky-700 hover:underline dark:text-sky-400 ${firing ? "font-medium" : ""}`}
      >
        {alert.rule}
      </Link>
      {alert.group && <span className="font-mono text-xs">{alert.group}</span>}
      <span className="tabular-nums" data-column="value">
        {alert.value_text}
      </span>
      <span className="text-xs text-zinc-500">
        since <Time iso={alert.since} precision="minute" />
      </span>
      {alert.silenced_until && (
        <span className="text-xs text-zinc-500" data-testid="silenced">
          silenced until <Time iso={alert.silenced_until} precision="minute" />: no notifications
        </span>
      )}
      {alert.message && <span className="w-full text-xs text-zinc-500">{alert.message}</span>}
    </li>
  );
}
