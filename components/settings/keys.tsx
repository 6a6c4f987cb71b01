"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { endpointKey, request, sendEndpoint, type BodyOf } from "@/components/data/api";
import { useEndpoint, useView } from "@/components/data/hooks";
import type { ApiKey, NewKey } from "@/components/data/types";
import { keysRequest } from "@/components/data/requests";
import { useSessionUser } from "@/components/layout/session";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";

import { formatDate } from "@/components/ui/format";
import { Input } from "@/components/ui/input";
import { ActionError, EmptyState, QueryState } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { cell, panel, tableHead, tableRow } from "./controls";

const SCOPES = [
  { scope: "ingest", help: "send telemetry to this project" },
  { scope: "read", help: "query this project's telemetry" },
  { scope: "admin", help: "manage projects, keys and accounts" },
] as const;

export function KeysSettings() {
  const user = useSessionUser();
  const view = useView();
  return (
    <div className="space-y-6">
      <div>
        <h2 className="text-lg font-semibold">
          API keys of project <span className="font-mono">{view.project}</span>
        </h2>
        <p className="text-sm text-zinc-500">
          Applications and scripts authenticate with a key: its id and secret, joined by a colon.
        </p>
      </div>
      {user.role === "admin" ? (
        <ManageKeys />
      ) : (
        <EmptyState title="Only admins manage API keys">
          Ask an admin of this Tracedeck for a key of project {view.project}.
        </EmptyState>
      )}
    </div>
  );
}

function ManageKeys() {
  const view = useView();
  const keys = useEndpoint(keysRequest(view));
  return (
    <>
      <CreateKeyForm />
      <QueryState query={keys} what="API keys">
        {({ keys: list }) =>
          list.length === 0 ? (
            <EmptyState title="This project has no API keys yet">
              Create one above to send data or query the API.
            </EmptyState>
          ) : (
            <KeyTable keys={list} />
          )
        }
      </QueryState>
    </>
  );
}

function CreateKeyForm() {
  const view = useView();
  const queryClient = useQueryClient();
  const [noScope, setNoScope] = useState(false);
  const helpId = useId();
  const create = useMutation({
    mutationFn: (key: BodyOf<"createKey">) =>
      sendEndpoint(request("createKey", { query: { project: view.project } }), key),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: endpointKey(keysRequest(view)) }),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const picked = data.getAll("scopes").map(String);
    const scopes = SCOPES.map(({ scope }) => scope).filter((scope) => picked.includes(scope));
    setNoScope(scopes.length === 0);
    if (scopes.length === 0) return;
    create.mutate({ name: String(data.get("name") ?? ""), scopes }, { onSuccess: () => form.reset() });
  };

  return (
    <section aria-labelledby="new-key-heading" className={`${panel} space-y-3 p-4`}>
      <h3 id="new-key-heading" className="font-medium">
        New API key
      </h3>
      <form aria-label="New API key" onSubmit={submit} className="flex flex-wrap items-end gap-x-6 gap-y-3 text-sm">
        <label className="flex flex-col gap-0.5">
          Name
          <Input name="name" required maxLength={200} autoComplete="off" placeholder="checkout service" />
        </label>
        <fieldset className="flex flex-wrap gap-x-4 gap-y-1">
          <legend className="mb-1">Scopes</legend>
          {SCOPES.map(({ scope, help }) => (
            <span key={scope} className="flex items-baseline gap-1.5">
              <input
                id={`${helpId}-${scope}`}
                type="checkbox"
                name="scopes"
                value={scope}
                defaultChecked={scope === "ingest"}
                aria-describedby={`${helpId}-${scope}-help`}
              />
              <label htmlFor={`${helpId}-${scope}`} className="font-medium">
                {scope}
              </label>
              <span id={`${helpId}-${scope}-help`} className="text-xs text-zinc-500">
                {help}
              </span>
            </span>
          ))}
        </fieldset>
        <Button type="submit" disabled={create.isPending}>
          Create key
        </Button>
      </form>
      {noScope && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          Choose at least one scope.
        </p>
      )}
      {create.error && <ActionError action="create the key" error={create.error} />}
      {create.data && <CreatedKey apiKey={create.data} onDone={() => create.reset()} />}
    </section>
  );
}

/** The secret exists only in this answer: the server keeps its hash, so this is the one chance to copy it. */
function CreatedKey({ apiKey, onDone }: { apiKey: NewKey; onDone: () => void }) {
  const credential = `${apiKey.key_id}:${apiKey.secret}`;
  return (
    <section
      aria-label="New key"
      className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm dark:border-amber-800 dark:bg-amber-950/40"
    >
      <p className="font-medium">
        Key “{apiKey.name}” created with {apiKey.scopes.join(", ")}.
      </p>
      <p className="text-amber-900 dark:text-amber-200">Copy it now: the secret will not be shown again.</p>
      <div className="flex items-start gap-2">
        <code
          aria-label="Key id and secret"
          className="flex-1 break-all rounded bg-white p-2 font-mono text-xs dark:bg-zinc-900"
        >
          {credential}
        </code>
        <CopyButton text={credential} />
      </div>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">
        Send it as <code>Authorization: Bearer {"<key_id>:<secret>"}</code>.
      </p>
      <Button variant="secondary" size="sm" onClick={onDone}>
        Done
      </Button>
    </section>
  );
}

function KeyTable({ keys }: { keys: ApiKey[] }) {
  return (
    <div className={`overflow-x-auto ${panel}`}>
      <table aria-label="API keys" className="w-full text-sm">
        <thead className={tableHead}>
          <tr>
            <th className={`${cell} font-medium`}>Name</th>
            <th className={`${cell} font-medium`}>Key id</th>
            <th className={`${cell} font-medium`}>Scopes</th>
            <th className={`${cell} font-medium`}>Created</th>
            <th className={`${cell} font-medium`}>Last used</th>
            <th className={`${cell} font-medium`}>Status</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <KeyRow key={key.key_id} apiKey={key} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function KeyRow({ apiKey }: { apiKey: ApiKey }) {
  const view = useView();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({
    mutationFn: () =>
      sendEndpoint(request("revokeKey", { params: { key_id: apiKey.key_id }, query: { project: view.project } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: endpointKey(keysRequest(view)) }),
  });
  return (
    <tr
      data-key-id={apiKey.key_id}
      className={`${tableRow} ${apiKey.revoked_at ? "text-zinc-400 dark:text-zinc-500" : ""}`}
    >
      <td className={`${cell} font-medium`}>{apiKey.name || <span className="text-zinc-400">unnamed</span>}</td>
      <td className={`${cell} font-mono text-xs`}>{apiKey.key_id}</td>
      <td className={cell}>{apiKey.scopes.join(", ")}</td>
      <td className={`${cell} tabular-nums`}>
        <Time iso={apiKey.created_at} precision="minute" />
      </td>
      <td className={`${cell} tabular-nums`} data-column="last-used">
        {apiKey.last_used_at ? <Time iso={apiKey.last_used_at} precision="minute" /> : "never"}
      </td>
      <td className={cell} data-column="status">
        {apiKey.revoked_at ? (
          <span
            title={`revoked ${formatDate(apiKey.revoked_at, true)}`}
            className="rounded-full bg-red-50 px-2 py-0.5 text-xs text-red-700 dark:bg-red-950/60 dark:text-red-300"
          >
            revoked
          </span>
        ) : confirming ? (
          <span className="flex flex-wrap items-center gap-2">
            <Button variant="danger" size="sm" disabled={revoke.isPending} onClick={() => revoke.mutate()}>
              Confirm revoke
            </Button>
            <Button
              variant="secondary"
              size="sm"
              onClick={() => {
                setConfirming(false);
                revoke.reset();
              }}
            >
              Cancel
            </Button>
          </span>
        ) : (
          <span className="flex items-center gap-2">
            <span className="text-xs text-emerald-700 dark:text-emerald-400">active</span>
            <Button
              variant="secondary"
              size="sm"
              aria-label={`Revoke ${apiKey.name || apiKey.key_id}`}
              onClick={() => setConfirming(true)}
            >
              Revoke
            </Button>
          </span>
        )}
        {revoke.error && <ActionError action="revoke the key" error={revoke.error} />}
      </td>
    </tr>
  );
}
