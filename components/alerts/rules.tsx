"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Fragment, useEffect, useRef, useState, type ReactNode } from "react";
import { request, sendEndpoint } from "@/components/data/api";
import { useEndpoint, useView } from "@/components/data/hooks";
import { alertChannelsRequest, alertRulesRequest } from "@/components/data/requests";
import type { AlertChannel, AlertRule } from "@/components/data/types";
import { useSessionUser } from "@/components/layout/session";
import { useHydrated } from "@/components/ui/browser";
import { Button } from "@/components/ui/button";
import { headClass, Panel, rowClass, tableClass } from "@/components/ui/panel";
import { EmptyState, QueryState } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { SeverityBadge, StateBadge } from "./badges";
import { RuleHistory } from "./history";
import { ruleHistoryHref } from "./links";
import { ALERTS_REFRESH_MS, useRefreshAlerts } from "./refresh";
import { RowActions } from "./row-actions";
import { SilenceForm } from "./silences";

/** The project's rules; the one the URL names (`?rule=<id>`) open with its groups and history. */
export function RulesPanel({ onEdit, actions }: { onEdit: (rule: AlertRule) => void; actions?: ReactNode }) {
  const view = useView();
  const params = useSearchParams();
  const user = useSessionUser();
  const rules = useEndpoint(alertRulesRequest(view), { refetchInterval: ALERTS_REFRESH_MS });
  const channels = useEndpoint(alertChannelsRequest(view));
  const opened = params.get("rule");
  const admin = user.role === "admin";
  return (
    <Panel title="Rules" actions={actions}>
      <QueryState query={rules} what="alert rules">
        {({ rules: list }) => (
          <>
            {opened && !list.some((rule) => rule.id === opened) && (
              <p role="status" className="mb-2 text-sm text-zinc-500">
                The rule this link names is not in project {view.project} (any more).
              </p>
            )}
            {list.length === 0 ? (
              <EmptyState title="No alert rule yet">
                {admin
                  ? "Make one with New rule, or with “Alert on this” beside a chart."
                  : "An admin makes them; you will see them here."}
              </EmptyState>
            ) : (
              <div className="overflow-x-auto">
                <table aria-label="Alert rules" className={tableClass}>
                  <thead className={headClass}>
                    <tr>
                      <th className="py-1 font-medium">Rule</th>
                      <th className="py-1 font-medium">State</th>
                      <th className="py-1 font-medium">Severity</th>
                      <th className="py-1 font-medium">For</th>
                      <th className="py-1 font-medium">Channels</th>
                      <th className="py-1 font-medium">Enabled</th>
                      {admin && <th className="py-1 font-medium">Actions</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((rule) => (
                      <RuleRows
                        key={rule.id}
                        rule={rule}
                        open={rule.id === opened}
                        channels={channels.data?.channels}
                        admin={admin}
                        onEdit={() => onEdit(rule)}
                      />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </QueryState>
    </Panel>
  );
}

const forText = (minutes: number) => (minutes === 0 ? "at once" : `${minutes} min`);

function RuleRows({
  rule,
  open,
  channels,
  admin,
  onEdit,
}: {
  rule: AlertRule;
  open: boolean;
  channels: AlertChannel[] | undefined;
  admin: boolean;
  onEdit: () => void;
}) {
  const view = useView();
  const refresh = useRefreshAlerts();
  const hydrated = useHydrated();
  const [silencing, setSilencing] = useState(false);
  const target = { params: { id: rule.id }, query: { project: view.project } };
  const toggle = useMutation({
    mutationFn: () => sendEndpoint(request("updateAlertRule", target), { enabled: !rule.enabled }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => sendEndpoint(request("deleteAlertRule", target)),
    onSuccess: refresh,
  });
  // a link to the rule (a notification's) scrolls to it once
  const row = useRef<HTMLTableRowElement>(null);
  const scrolled = useRef(false);
  useEffect(() => {
    if (open && !scrolled.current) row.current?.scrollIntoView({ block: "nearest" });
    scrolled.current = true;
  }, [open]);
  const names = rule.channel_ids.map((id) => channels?.find((c) => c.id === id)?.name ?? "…");
  const columns = admin ? 7 : 6;

  return (
    <Fragment>
      <tr ref={row} data-rule={rule.name} data-state={rule.state} className={`${rowClass} align-top`}>
        <td className="max-w-md py-1.5">
          <Link
            href={ruleHistoryHref(view, open ? null : rule.id)}
            scroll={false}
            aria-expanded={open}
            className="font-medium text-sky-700 hover:underline dark:text-sky-400"
            title={open ? "Close its history" : "Open its history"}
          >
            {open ? "▾" : "▸"} {rule.name}
          </Link>
          <p className="text-xs text-zinc-500">{rule.description}</p>
          {rule.last_error && (
            <p className="text-xs text-red-700 dark:text-red-400">Cannot be evaluated: {rule.last_error}</p>
          )}
        </td>
        <td className="py-1.5">
          <StateBadge state={rule.state} />
          {rule.silenced_until && (
            <p className="text-xs text-zinc-500">
              silenced until <Time iso={rule.silenced_until} precision="minute" />
            </p>
          )}
        </td>
        <td className="py-1.5">
          <SeverityBadge severity={rule.severity} />
        </td>
        <td className="py-1.5 whitespace-nowrap">{forText(rule.for_minutes)}</td>
        <td className="py-1.5">{names.length ? names.join(", ") : <span className="text-zinc-500">none</span>}</td>
        <td className="py-1.5" data-column="enabled">
          {rule.enabled ? "yes" : "no"}
        </td>
        {admin && (
          <td className="py-1.5">
            <RowActions name={rule.name} enabled={rule.enabled} toggle={toggle} remove={remove}>
              <Button
                variant="secondary"
                size="sm"
                disabled={!hydrated}
                aria-label={`Edit ${rule.name}`}
                onClick={onEdit}
              >
                Edit
              </Button>
              <Button
                variant="secondary"
                size="sm"
                disabled={!hydrated}
                aria-label={`Silence ${rule.name}`}
                aria-expanded={silencing}
                onClick={() => setSilencing(!silencing)}
              >
                Silence
              </Button>
            </RowActions>
          </td>
        )}
      </tr>
      {silencing && (
        <tr className="bg-zinc-50 dark:bg-zinc-950/40">
          <td colSpan={columns} className="py-2">
            <SilenceForm ruleId={rule.id} what={rule.name} onDone={() => setSilencing(false)} />
          </td>
        </tr>
      )}
      {open && (
        <tr className="bg-zinc-50 dark:bg-zinc-950/40">
          <td colSpan={columns} className="py-3">
            <RuleHistory rule={rule} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}
