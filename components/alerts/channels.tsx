"use client";

import { useMutation } from "@tanstack/react-query";
import { Fragment, useState, type FormEvent } from "react";
import { request, sendEndpoint } from "@/components/data/api";
import { useEndpoint, useView } from "@/components/data/hooks";
import { alertChannelsRequest } from "@/components/data/requests";
import type { AlertChannel, AlertChannelType } from "@/components/data/types";
import { useSessionUser } from "@/components/layout/session";
import { useHydrated } from "@/components/ui/browser";
import { Button } from "@/components/ui/button";
import { formatCount } from "@/components/ui/format";
import { Input, Select } from "@/components/ui/input";
import { headClass, Panel, rowClass, tableClass } from "@/components/ui/panel";
import { ActionError, EmptyState, QueryState } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import {
  CHANNEL_TYPES,
  channelConfig,
  channelDraft,
  channelTarget,
  EMPTY_CHANNEL,
  hasCredential,
  type ChannelDraft,
} from "./channel-draft";
import { ALERTS_REFRESH_MS, useRefreshAlerts } from "./refresh";
import { RowActions } from "./row-actions";

// Where notifications go, and how their sends went: a failing channel shows its last error.

const TYPES = Object.keys(CHANNEL_TYPES) as AlertChannelType[];
const COLUMNS = 7;

export function ChannelsPanel() {
  const view = useView();
  const user = useSessionUser();
  const hydrated = useHydrated();
  // sends happen on their own (the outbox retries): the counts follow them
  const channels = useEndpoint(alertChannelsRequest(view), { refetchInterval: ALERTS_REFRESH_MS });
  const [adding, setAdding] = useState(false);
  const admin = user.role === "admin";
  return (
    <Panel
      title="Channels"
      actions={
        admin &&
        !adding && (
          <Button variant="secondary" size="sm" disabled={!hydrated} onClick={() => setAdding(true)}>
            Add a channel
          </Button>
        )
      }
    >
      <div className="space-y-3">
        {adding && <ChannelForm onDone={() => setAdding(false)} />}
        <QueryState query={channels} what="channels">
          {({ channels: list }) =>
            list.length === 0 ? (
              <EmptyState title="No channel yet">
                A channel (a webhook, Slack, email or PagerDuty) is told when a rule fires and resolves
                {admin ? "." : "; an admin adds them."}
              </EmptyState>
            ) : (
              <div className="overflow-x-auto">
                <table aria-label="Alert channels" className={tableClass}>
                  <thead className={headClass}>
                    <tr>
                      <th className="py-1 font-medium">Channel</th>
                      <th className="py-1 font-medium">Enabled</th>
                      <th className="py-1 text-right font-medium">Sent / failed</th>
                      <th className="py-1 text-right font-medium">Waiting</th>
                      <th className="py-1 font-medium">Last success</th>
                      <th className="py-1 font-medium">Last error</th>
                      {admin && <th className="py-1 font-medium">Actions</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((channel) => (
                      <ChannelRows key={channel.id} channel={channel} admin={admin} />
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </QueryState>
      </div>
    </Panel>
  );
}

function ChannelRows({ channel, admin }: { channel: AlertChannel; admin: boolean }) {
  const view = useView();
  const refresh = useRefreshAlerts();
  const hydrated = useHydrated();
  const [editing, setEditing] = useState(false);
  const target = { params: { id: channel.id }, query: { project: view.project } };
  const test = useMutation({
    mutationFn: () => sendEndpoint(request("testAlertChannel", target)),
    onSettled: refresh,
  });
  const toggle = useMutation({
    mutationFn: () => sendEndpoint(request("updateAlertChannel", target), { enabled: !channel.enabled }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => sendEndpoint(request("deleteAlertChannel", target)),
    onSuccess: refresh,
  });
  return (
    <Fragment>
      <tr data-channel={channel.name} className={`${rowClass} align-top`}>
        <td className="py-1.5">
          <span className="font-medium">{channel.name}</span>{" "}
          <span className="text-xs text-zinc-500">{CHANNEL_TYPES[channel.type]}</span>
          <p className="max-w-xs truncate font-mono text-xs text-zinc-500" title={channelTarget(channel)}>
            {channelTarget(channel)}
          </p>
        </td>
        <td className="py-1.5" data-column="enabled">
          {channel.enabled ? "yes" : "no"}
        </td>
        <td className="py-1.5 text-right tabular-nums" data-column="sent-failed">
          {formatCount(channel.sent_count)} /{" "}
          <span className={channel.failed_count ? "text-red-700 dark:text-red-400" : ""}>
            {formatCount(channel.failed_count)}
          </span>
        </td>
        <td className={`py-1.5 text-right tabular-nums ${channel.pending ? "text-amber-700 dark:text-amber-400" : ""}`}>
          {formatCount(channel.pending)}
        </td>
        <td className="py-1.5 tabular-nums">
          {channel.last_success_at ? <Time iso={channel.last_success_at} precision="minute" /> : "never"}
        </td>
        <td className="max-w-sm py-1.5 break-words" data-column="last-error">
          {channel.last_error ? (
            <>
              <span className="text-red-700 dark:text-red-400">{channel.last_error}</span>
              {channel.last_error_at && (
                <span className="block text-xs text-zinc-500">
                  <Time iso={channel.last_error_at} precision="minute" />
                </span>
              )}
            </>
          ) : (
            <span className="text-zinc-500">none</span>
          )}
        </td>
        {admin && (
          <td className="py-1.5">
            <RowActions
              name={channel.name}
              enabled={channel.enabled}
              toggle={toggle}
              remove={remove}
              notes={
                <>
                  {test.data && (
                    <p role="status" data-testid="test-result" className="mt-1 text-xs">
                      {test.data.delivered ? (
                        <span className="text-emerald-700 dark:text-emerald-400">Test delivered.</span>
                      ) : (
                        <span className="text-red-700 dark:text-red-400">Test not delivered: {test.data.error}</span>
                      )}
                    </p>
                  )}
                  {test.error && <ActionError action="send the test" error={test.error} />}
                </>
              }
            >
              <Button
                variant="secondary"
                size="sm"
                disabled={!hydrated || test.isPending}
                aria-label={`Send a test through ${channel.name}`}
                onClick={() => test.mutate()}
              >
                {test.isPending ? "Sending…" : "Send test"}
              </Button>
              <Button
                variant="secondary"
                size="sm"
                disabled={!hydrated}
                aria-label={`Edit ${channel.name}`}
                aria-expanded={editing}
                onClick={() => setEditing(!editing)}
              >
                Edit
              </Button>
            </RowActions>
          </td>
        )}
      </tr>
      {editing && (
        <tr className="bg-zinc-50 dark:bg-zinc-950/40">
          <td colSpan={COLUMNS} className="py-2">
            <ChannelForm channel={channel} onDone={() => setEditing(false)} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}

/** Adds a channel, or edits `channel` (its type stays; credentials left empty keep their stored value). */
function ChannelForm({ channel, onDone }: { channel?: AlertChannel; onDone: () => void }) {
  const view = useView();
  const refresh = useRefreshAlerts();
  const [draft, setDraft] = useState<ChannelDraft>(() => (channel ? channelDraft(channel) : EMPTY_CHANNEL));
  const set = (patch: Partial<ChannelDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const save = useMutation({
    mutationFn: () => {
      const project = { project: view.project };
      const config = channelConfig(draft);
      return channel
        ? sendEndpoint(request("updateAlertChannel", { params: { id: channel.id }, query: project }), {
            name: draft.name.trim(),
            config,
            enabled: draft.enabled,
          })
        : sendEndpoint(request("createAlertChannel", { query: project }), {
            name: draft.name.trim(),
            type: draft.type,
            config,
            enabled: draft.enabled,
          });
    },
    onSuccess: async () => {
      await refresh();
      onDone();
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save.mutate();
  };
  const text = (
    key: "name" | "url" | "secret" | "host" | "port" | "username" | "password" | "from" | "to" | "routing_key",
  ) => ({
    value: draft[key],
    onChange: (event: { target: { value: string } }) => set({ [key]: event.target.value }),
  });
  /** a credential: empty on an edit keeps the one stored */
  const credential = (key: "secret" | "url" | "password" | "routing_key") =>
    hasCredential(channel, key) ? { placeholder: "unchanged (set)", required: false } : {};

  return (
    <form
      aria-label={channel ? `Edit channel ${channel.name}` : "New channel"}
      onSubmit={submit}
      className="flex flex-wrap items-end gap-3 rounded-md border border-zinc-200 p-3 text-sm dark:border-zinc-800"
    >
      <label className="flex flex-col gap-0.5">
        Channel name
        <Input required maxLength={200} placeholder="on-call" {...text("name")} />
      </label>
      {!channel && (
        <label className="flex flex-col gap-0.5">
          Type
          <Select
            value={draft.type}
            onChange={(event) => set({ type: TYPES.find((t) => t === event.target.value) ?? draft.type })}
          >
            {TYPES.map((type) => (
              <option key={type} value={type}>
                {CHANNEL_TYPES[type]}
              </option>
            ))}
          </Select>
        </label>
      )}
      {draft.type === "webhook" && (
        <>
          <label className="flex min-w-72 flex-1 flex-col gap-0.5">
            URL
            <Input type="url" required placeholder="https://example.com/hooks/alerts" {...text("url")} />
          </label>
          <label className="flex flex-col gap-0.5">
            Signing secret (optional)
            <Input type="password" autoComplete="off" {...text("secret")} {...credential("secret")} />
          </label>
        </>
      )}
      {draft.type === "slack" && (
        <label className="flex min-w-72 flex-1 flex-col gap-0.5">
          Incoming-webhook URL
          <Input
            type="url"
            required
            autoComplete="off"
            placeholder="https://hooks.slack.com/services/…"
            {...text("url")}
            {...credential("url")}
          />
        </label>
      )}
      {draft.type === "email" && (
        <>
          <label className="flex flex-col gap-0.5">
            SMTP host
            <Input required placeholder="smtp.example.com" {...text("host")} />
          </label>
          <label className="flex flex-col gap-0.5">
            Port
            <Input type="number" min={1} max={65535} className="w-24" {...text("port")} />
          </label>
          <label className="flex items-center gap-2 pb-1.5">
            <input type="checkbox" checked={draft.secure} onChange={(e) => set({ secure: e.target.checked })} />
            TLS from the start (port 465)
          </label>
          <label className="flex flex-col gap-0.5">
            Username (optional)
            <Input autoComplete="off" {...text("username")} />
          </label>
          <label className="flex flex-col gap-0.5">
            Password (optional)
            <Input type="password" autoComplete="off" {...text("password")} {...credential("password")} />
          </label>
          <label className="flex flex-col gap-0.5">
            From
            <Input type="email" required placeholder="tracedeck@example.com" {...text("from")} />
          </label>
          <label className="flex min-w-64 flex-1 flex-col gap-0.5">
            To (comma-separated)
            <Input required placeholder="oncall@example.com" {...text("to")} />
          </label>
        </>
      )}
      {draft.type === "pagerduty" && (
        <>
          <label className="flex flex-col gap-0.5">
            Routing key
            <Input required autoComplete="off" {...text("routing_key")} {...credential("routing_key")} />
          </label>
          <label className="flex min-w-72 flex-1 flex-col gap-0.5">
            Events API URL (optional)
            <Input type="url" placeholder="https://events.pagerduty.com/v2/enqueue" {...text("url")} />
          </label>
        </>
      )}
      <label className="flex items-center gap-2 pb-1.5">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
        Enabled
      </label>
      <div className="flex gap-2">
        <Button type="submit" disabled={save.isPending}>
          {channel ? "Save channel" : "Add channel"}
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
      {save.error && (
        <div className="w-full">
          <ActionError action={channel ? "save the channel" : "add the channel"} error={save.error} />
        </div>
      )}
    </form>
  );
}
