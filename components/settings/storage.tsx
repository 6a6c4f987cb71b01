"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { endpointKey, request, sendEndpoint, type BodyOf } from "@/components/data/api";
import { useEndpoint } from "@/components/data/hooks";
import { retentionRequest } from "@/components/data/requests";
import type { Retention, RetentionSignal, SignalStorage } from "@/components/data/types";
import { useSessionUser } from "@/components/layout/session";
import { useHydrated } from "@/components/ui/browser";
import { Button } from "@/components/ui/button";
import { formatBytes } from "@/components/ui/format";
import { Input } from "@/components/ui/input";
import { ActionError, EmptyState, QueryState } from "@/components/ui/states";
import { cell, panel, tableHead, tableRow } from "./controls";
import { changedDays, SIGNALS, SOURCE_LABELS, totalBytes, type DayDrafts } from "./retention";

export function StorageSettings() {
  const user = useSessionUser();
  return (
    <div className="space-y-6">
      <div>
        <h2 className="text-lg font-semibold">Storage</h2>
        <p className="text-sm text-zinc-500">
          How many days each signal is kept, for every project: older days are dropped whole within minutes, and records
          older than the retention are not stored.
        </p>
      </div>
      {user.role === "admin" ? (
        <ManageStorage />
      ) : (
        <EmptyState title="Only admins see storage settings">
          Ask an admin of this Tracedeck how long telemetry is kept.
        </EmptyState>
      )}
    </div>
  );
}

function ManageStorage() {
  const retention = useEndpoint(retentionRequest());
  return (
    <QueryState query={retention} what="storage">
      {(saved) => <RetentionForm saved={saved} />}
    </QueryState>
  );
}

function RetentionForm({ saved }: { saved: Retention }) {
  const queryClient = useQueryClient();
  // a submit before hydration would reload the page with the fields in its URL instead of saving
  const hydrated = useHydrated();
  const [drafts, setDrafts] = useState<DayDrafts>({});
  const save = useMutation({
    mutationFn: (update: BodyOf<"updateRetention">) => sendEndpoint(request("updateRetention", {}), update),
    // the fields keep what was typed until the list is read again, so the old days never flash back
    onSuccess: () => queryClient.invalidateQueries({ queryKey: endpointKey(retentionRequest()) }),
  });
  const update = changedDays(saved, drafts);

  const edit = (signal: RetentionSignal, days: string) => {
    setDrafts((current) => ({ ...current, [signal]: days }));
    save.reset();
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (update) save.mutate(update, { onSuccess: () => setDrafts({}) });
  };

  return (
    // the API's rules, not the browser's, refuse a value, so that the message is the one scripts see too
    <form aria-label="Retention" noValidate onSubmit={submit} className="space-y-3">
      <div className={`overflow-x-auto ${panel}`}>
        <table aria-label="Storage by signal" className="w-full text-sm">
          <thead className={tableHead}>
            <tr>
              <th className={`${cell} font-medium`}>Signal</th>
              <th className={`${cell} font-medium`}>Days kept</th>
              <th className={`${cell} text-right font-medium`}>Disk</th>
              <th className={`${cell} font-medium`}>Oldest day</th>
              <th className={`${cell} font-medium`}>Tables</th>
            </tr>
          </thead>
          <tbody>
            {SIGNALS.map(({ signal, label, holds }) => (
              <SignalRow
                key={signal}
                signal={signal}
                label={label}
                holds={holds}
                storage={saved[signal]}
                draft={drafts[signal]}
                disabled={save.isPending}
                onEdit={(days) => edit(signal, days)}
              />
            ))}
          </tbody>
          <tfoot className="border-t border-zinc-200 dark:border-zinc-800">
            <tr>
              <th scope="row" className={`${cell} text-left font-medium`} colSpan={2}>
                Total
              </th>
              <td className={`${cell} text-right font-medium tabular-nums`} data-column="total-disk">
                {formatBytes(totalBytes(saved))}
              </td>
              <td className={cell} colSpan={2} />
            </tr>
          </tfoot>
        </table>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={!hydrated || save.isPending || update === null}>
          Save
        </Button>
        {save.isSuccess && (
          <p role="status" className="text-sm text-zinc-600 dark:text-zinc-400">
            Saved.
          </p>
        )}
      </div>
      {save.error && <ActionError action="save the retention" error={save.error} />}
    </form>
  );
}

function SignalRow({
  signal,
  label,
  holds,
  storage,
  draft,
  disabled,
  onEdit,
}: {
  signal: RetentionSignal;
  label: string;
  holds: string;
  storage: SignalStorage;
  draft: string | undefined;
  disabled: boolean;
  onEdit: (days: string) => void;
}) {
  const source =
    storage.source === "environment"
      ? `${SOURCE_LABELS.environment} (TRACEDECK_RETENTION_${signal.toUpperCase()})`
      : SOURCE_LABELS[storage.source];
  return (
    <tr data-signal={signal} className={tableRow}>
      <td className={cell}>
        <span className="font-medium">{label}</span>
        <span className="block text-xs text-zinc-500">{holds}</span>
      </td>
      <td className={cell}>
        <span className="flex items-center gap-1.5">
          <Input
            type="number"
            inputMode="numeric"
            min={1}
            step={1}
            aria-label={`Days of ${signal} kept`}
            value={draft ?? String(storage.days)}
            disabled={disabled}
            onChange={(event) => onEdit(event.target.value)}
            className="w-20 tabular-nums"
          />
          days
        </span>
        <span className="block text-xs text-zinc-500" data-column="source">
          {source}
        </span>
      </td>
      <td
        className={`${cell} text-right tabular-nums`}
        data-column="disk"
        title={`${storage.partitions} day partition${storage.partitions === 1 ? "" : "s"}`}
      >
        {formatBytes(storage.bytes)}
      </td>
      <td className={`${cell} tabular-nums`} data-column="oldest-day">
        {storage.oldest_day ?? <span className="text-zinc-400">nothing stored</span>}
      </td>
      <td className={`${cell} font-mono text-xs`}>
        {storage.tables.length > 0 ? storage.tables.join(", ") : <span className="text-zinc-400">–</span>}
      </td>
    </tr>
  );
}
