"use client";

import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { request, sendEndpoint } from "@/components/data/api";
import { useEndpoint, useView } from "@/components/data/hooks";
import { alertSilencesRequest } from "@/components/data/requests";
import type { AlertSilence } from "@/components/data/types";
import { useSessionUser } from "@/components/layout/session";
import { useHydrated } from "@/components/ui/browser";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { headClass, Panel, rowClass, tableClass } from "@/components/ui/panel";
import { ActionError, EmptyState, QueryState } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { useRefreshAlerts } from "./refresh";

// Silences mute a rule's notifications (or every rule's) for a while: the rule still changes state on the page.

const DURATIONS = [
  { minutes: 30, label: "30 minutes" },
  { minutes: 60, label: "1 hour" },
  { minutes: 120, label: "2 hours" },
  { minutes: 240, label: "4 hours" },
  { minutes: 480, label: "8 hours" },
  { minutes: 1440, label: "1 day" },
  { minutes: 10080, label: "1 week" },
];

/** Silences one rule (`ruleId`), or every rule of the project (null), for a while and for a reason. */
export function SilenceForm({
  ruleId,
  what,
  onDone,
}: {
  ruleId: string | null;
  /** what is silenced, in the form's name: a rule's name or "all rules" */
  what: string;
  onDone: () => void;
}) {
  const view = useView();
  const refresh = useRefreshAlerts();
  const silence = useMutation({
    mutationFn: (input: { duration_minutes: number; reason: string }) =>
      sendEndpoint(request("createAlertSilence", { query: { project: view.project } }), { rule_id: ruleId, ...input }),
    onSuccess: async () => {
      await refresh();
      onDone();
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    silence.mutate({ duration_minutes: Number(form.get("duration")), reason: String(form.get("reason") ?? "") });
  };
  return (
    <form aria-label={`Silence ${what}`} onSubmit={submit} className="flex flex-wrap items-end gap-3 text-sm">
      <label className="flex flex-col gap-0.5">
        Silence for
        <Select name="duration" defaultValue="60">
          {DURATIONS.map((d) => (
            <option key={d.minutes} value={d.minutes}>
              {d.label}
            </option>
          ))}
        </Select>
      </label>
      <label className="flex min-w-64 flex-1 flex-col gap-0.5">
        Reason
        <Input name="reason" required maxLength={1000} placeholder="deploying the fix" />
      </label>
      <Button type="submit" disabled={silence.isPending}>
        Silence
      </Button>
      <Button variant="secondary" onClick={onDone}>
        Cancel
      </Button>
      {silence.error && (
        <div className="w-full">
          <ActionError action="silence it" error={silence.error} />
        </div>
      )}
    </form>
  );
}

export function SilencesPanel() {
  const view = useView();
  const user = useSessionUser();
  const hydrated = useHydrated();
  const silences = useEndpoint(alertSilencesRequest(view));
  const [adding, setAdding] = useState(false);
  const admin = user.role === "admin";
  return (
    <Panel
      title="Silences"
      actions={
        admin &&
        !adding && (
          <Button variant="secondary" size="sm" disabled={!hydrated} onClick={() => setAdding(true)}>
            Silence all rules
          </Button>
        )
      }
    >
      <div className="space-y-3">
        {adding && <SilenceForm ruleId={null} what="all rules" onDone={() => setAdding(false)} />}
        <QueryState query={silences} what="silences">
          {({ silences: list }) =>
            list.length === 0 ? (
              <EmptyState title="No silence in force">
                A silence mutes a rule&apos;s notifications for a while; the rule still shows its state here.
              </EmptyState>
            ) : (
              <table aria-label="Silences" className={tableClass}>
                <thead className={headClass}>
                  <tr>
                    <th className="py-1 font-medium">Rule</th>
                    <th className="py-1 font-medium">Reason</th>
                    <th className="py-1 font-medium">From</th>
                    <th className="py-1 font-medium">Until</th>
                    <th className="py-1 font-medium">Status</th>
                    {admin && <th className="py-1 font-medium">Action</th>}
                  </tr>
                </thead>
                <tbody>
                  {list.map((silence) => (
                    <SilenceRow key={silence.id} silence={silence} admin={admin} />
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryState>
      </div>
    </Panel>
  );
}

function SilenceRow({ silence, admin }: { silence: AlertSilence; admin: boolean }) {
  const view = useView();
  const refresh = useRefreshAlerts();
  const hydrated = useHydrated();
  const rule = silence.rule_id === null ? "all rules" : (silence.rule ?? "a deleted rule");
  const end = useMutation({
    mutationFn: () =>
      sendEndpoint(request("endAlertSilence", { params: { id: silence.id }, query: { project: view.project } })),
    onSuccess: refresh,
  });
  return (
    <tr data-silence={rule} className={rowClass}>
      <td className={`py-1.5 ${silence.rule_id === null ? "italic" : "font-medium"}`}>{rule}</td>
      <td className="py-1.5 break-words">{silence.reason}</td>
      <td className="py-1.5 tabular-nums">
        <Time iso={silence.starts_at} precision="minute" />
      </td>
      <td className="py-1.5 tabular-nums">
        <Time iso={silence.ends_at} precision="minute" />
      </td>
      <td className="py-1.5" data-column="status">
        {silence.active ? "active" : "scheduled"}
      </td>
      {admin && (
        <td className="py-1.5">
          <Button
            variant="secondary"
            size="sm"
            aria-label={`End the silence of ${rule}`}
            disabled={!hydrated || end.isPending}
            onClick={() => end.mutate()}
          >
            End
          </Button>
          {end.error && <ActionError action="end the silence" error={end.error} />}
        </td>
      )}
    </tr>
  );
}
