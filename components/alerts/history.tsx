"use client";

import { useSearchParams } from "next/navigation";
import { useEffect } from "react";
import { useEndpointPages, useView } from "@/components/data/hooks";
import { alertHistoryRequest } from "@/components/data/requests";
import type { AlertEvent, AlertRule } from "@/components/data/types";
import { Button } from "@/components/ui/button";
import { headClass, rowClass, tableClass } from "@/components/ui/panel";
import { ErrorState, Loading } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { StateBadge } from "./badges";
import { ALERTS_REFRESH_MS } from "./refresh";

/** A rule opened: its groups as they are now, then every change of state with how each notification went. */
export function RuleHistory({ rule }: { rule: AlertRule }) {
  const view = useView();
  const params = useSearchParams();
  const history = useEndpointPages(alertHistoryRequest(view, rule.id, params));
  const { refetch } = history;
  // new changes, and how their notifications went, arrive while the history is open (useEndpointPages has no
  // refetch interval of its own)
  useEffect(() => {
    const timer = setInterval(() => void refetch(), ALERTS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [refetch]);
  const events = history.data?.pages.flatMap((page) => page.events) ?? [];
  const range = params.has("from") ? "in the time range" : "in the last 7 days";

  return (
    <div className="space-y-3 text-sm">
      {rule.groups.length > 0 && (
        <table aria-label={`Groups of ${rule.name}`} className={tableClass}>
          <thead className={headClass}>
            <tr>
              <th className="py-1 font-medium">Group</th>
              <th className="py-1 font-medium">State</th>
              <th className="py-1 font-medium">Value</th>
              <th className="py-1 font-medium">Since</th>
              <th className="py-1 font-medium">Evaluated</th>
            </tr>
          </thead>
          <tbody>
            {rule.groups.map((group) => (
              <tr key={group.group} className={rowClass}>
                <td className="py-1 font-mono text-xs">{group.group || "the whole rule"}</td>
                <td className="py-1">
                  <StateBadge state={group.state} />
                </td>
                <td className="py-1 tabular-nums">
                  {group.value_text}
                  {group.message && <span className="ml-2 text-xs text-zinc-500">{group.message}</span>}
                </td>
                <td className="py-1 tabular-nums">
                  <Time iso={group.since} precision="minute" />
                </td>
                <td className="py-1 tabular-nums">
                  <Time iso={group.evaluated_at} precision="minute" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3 className="font-medium">
        History of {rule.name} <span className="font-normal text-zinc-500">({range})</span>
      </h3>
      {history.error && !history.data ? (
        <ErrorState what="the rule's history" error={history.error} onRetry={() => void refetch()} />
      ) : !history.data ? (
        <Loading what="the rule's history" />
      ) : events.length === 0 ? (
        <p className="text-zinc-500">
          No change of state {range}.{" "}
          {rule.evaluated_minute ? (
            <>
              Last evaluated <Time iso={rule.evaluated_minute} precision="minute" />.
            </>
          ) : (
            "Not evaluated yet: rules are evaluated once a minute."
          )}
        </p>
      ) : (
        <>
          <table aria-label={`History of ${rule.name}`} className={tableClass}>
            <thead className={headClass}>
              <tr>
                <th className="py-1 font-medium">At</th>
                <th className="py-1 font-medium">Change</th>
                <th className="py-1 font-medium">Value</th>
                <th className="py-1 font-medium">Notifications</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <HistoryRow key={event.id} event={event} />
              ))}
            </tbody>
          </table>
          {history.hasNextPage && (
            <Button
              variant="secondary"
              size="sm"
              disabled={history.isFetchingNextPage}
              onClick={() => void history.fetchNextPage()}
            >
              Older changes
            </Button>
          )}
        </>
      )}
    </div>
  );
}

function HistoryRow({ event }: { event: AlertEvent }) {
  return (
    <tr data-change={`${event.from_state}>${event.to_state}`} className={`${rowClass} align-top`}>
      <td className="py-1 whitespace-nowrap tabular-nums">
        <Time iso={event.at} />
      </td>
      <td className="py-1">
        <span className="flex flex-wrap items-center gap-1">
          <StateBadge state={event.from_state} />
          <span aria-label="to">→</span>
          <StateBadge state={event.to_state} />
          {event.group && <span className="font-mono text-xs">{event.group}</span>}
        </span>
      </td>
      <td className="py-1 tabular-nums">
        {event.value_text} <span className="text-xs text-zinc-500">(threshold {event.threshold})</span>
      </td>
      <td className="py-1">
        {event.silenced ? (
          <span className="text-zinc-500">silenced: nobody was told</span>
        ) : event.notifications.length === 0 ? (
          <span className="text-zinc-500">no channel</span>
        ) : (
          <ul className="space-y-0.5">
            {event.notifications.map((n) => (
              <li key={n.channel} data-notification={n.channel}>
                <span className="font-medium">{n.channel}</span>:{" "}
                {n.delivered_at ? (
                  <span className="text-emerald-700 dark:text-emerald-400">
                    delivered <Time iso={n.delivered_at} />
                  </span>
                ) : n.failed_at ? (
                  <span className="text-red-700 dark:text-red-400">
                    failed <Time iso={n.failed_at} />
                  </span>
                ) : (
                  <span className="text-amber-700 dark:text-amber-400">waiting to be sent</span>
                )}
                <span className="text-xs text-zinc-500">
                  {" "}
                  · {n.attempts} {n.attempts === 1 ? "attempt" : "attempts"}
                </span>
                {n.last_error && <span className="block text-xs text-red-700 dark:text-red-400">{n.last_error}</span>}
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}
