"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { COLORS, TimeChart } from "@/components/charts/chart";
import { countRows } from "@/components/charts/prepare";
import { endpointKey, request, sendEndpoint, type BodyOf } from "@/components/data/api";
import { useEndpoint, useView } from "@/components/data/hooks";
import type { Publisher, PublisherSeries } from "@/components/data/types";
import { publisherSeriesRequest, publishersRequest } from "@/components/data/requests";
import type { View } from "@/components/data/view";
import { useSessionUser } from "@/components/layout/session";
import { useHydrated } from "@/components/ui/browser";
import { Button } from "@/components/ui/button";
import { formatCount } from "@/components/ui/format";
import { Input, Select, Textarea } from "@/components/ui/input";
import { Panel } from "@/components/ui/panel";
import { ActionError, EmptyState, QueryState } from "@/components/ui/states";
import { publisherView } from "./state";
import { Time } from "@/components/ui/time";

/** What each type needs, as a starting point for its config (see the README for every option). */
type PublisherType = BodyOf<"createPublisher">["type"];

const TEMPLATES: Record<PublisherType, Record<string, unknown>> = {
  elasticsearch: {
    url: "http://localhost:9200",
    index_prefix: "tracedeck",
    signals: ["pipeline_events", "network_ops"],
    api_key: "",
  },
  grafana_cloud: {
    url: "https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push",
    instance_id: "",
    api_key: "",
  },
  prometheus: { url: "http://localhost:9090/api/v1/write" },
  webhook: { url: "https://example.com/hooks/tracedeck", secret: "", signals: ["pipeline_events", "network_ops"] },
  composite: { publishers: [{ name: "search", type: "elasticsearch", config: { url: "http://localhost:9200" } }] },
  other: {},
};
// TEMPLATES is keyed by exactly the publisher types (its Record type says so), in the order the form offers them
const TYPES = Object.keys(TEMPLATES) as PublisherType[];
const REFRESH_MS = 5000;

const STATE_STYLE: Record<string, string> = {
  healthy: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300",
  degraded: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
  failing: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  disabled: "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  idle: "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300",
  unreported: "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
};

export function PublishersPage() {
  const view = useView();
  const user = useSessionUser();
  // statuses move on their own (forwarders retry, SDKs report): the page follows them
  const publishers = useEndpoint(publishersRequest(view), { refetchInterval: REFRESH_MS });
  const series = useEndpoint(publisherSeriesRequest(view), { refetchInterval: REFRESH_MS });
  const [adding, setAdding] = useState(false);
  // buttons wait for hydration: a click before it would do nothing
  const hydrated = useHydrated();

  return (
    <div className="mx-auto max-w-7xl space-y-4">
      <div className="flex items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Publishers</h1>
          <p className="text-sm text-zinc-500">
            Where telemetry is forwarded (Elasticsearch, Prometheus, Grafana Cloud, webhooks), by this server or by your
            applications&apos; SDKs, and whether each is healthy.
          </p>
        </div>
        {user.role === "admin" && !adding && (
          <Button disabled={!hydrated} onClick={() => setAdding(true)}>
            Add a publisher
          </Button>
        )}
      </div>
      {adding && <PublisherForm onDone={() => setAdding(false)} />}
      <QueryState query={publishers} what="publishers">
        {({ publishers: list }) =>
          list.length === 0 ? (
            <EmptyState title="No publisher yet">
              Add a server-side publisher{user.role === "admin" ? " above" : " (an admin can)"}, or let an SDK publisher
              report its status to <code>POST /api/v1/publishers/status</code>.
            </EmptyState>
          ) : (
            <ul aria-label="Publishers" className="space-y-3">
              {list.map((publisher) => (
                <PublisherCard key={publisher.id} publisher={publisher} series={series.data} />
              ))}
            </ul>
          )
        }
      </QueryState>
    </div>
  );
}

function PublisherCard({ publisher, series }: { publisher: Publisher; series: PublisherSeries | undefined }) {
  const view = useView();
  const user = useSessionUser();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const hydrated = useHydrated();
  const toggle = useMutation({
    mutationFn: () => sendEndpoint(publisherUpdate(view, publisher.id), { enabled: !publisher.enabled }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: endpointKey(publishersRequest(view)) }),
  });
  const points = series?.publishers.find((p) => p.id === publisher.id)?.points;
  const shown = publisherView(publisher);
  return (
    <li
      data-publisher={publisher.name}
      className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900"
    >
      <div className="flex flex-wrap items-start gap-4">
        <div className="min-w-64 flex-1 space-y-1 text-sm">
          <p className="flex flex-wrap items-center gap-2">
            <span className="text-base font-semibold">{publisher.name}</span>
            <span
              className={`rounded px-1.5 py-0.5 text-xs font-medium ${STATE_STYLE[shown.state]}`}
              data-testid="publisher-state"
            >
              {shown.label}
            </span>
            <span className="text-xs text-zinc-500">
              {publisher.type} · {publisher.origin === "server" ? "forwarded by this server" : "reported by an SDK"}
            </span>
          </p>
          {publisher.target && <p className="font-mono text-xs text-zinc-600 dark:text-zinc-400">{publisher.target}</p>}
          <dl className="grid grid-cols-[8rem_1fr] gap-x-2 gap-y-0.5 text-xs">
            <dt className="text-zinc-500">Last success</dt>
            <dd>{publisher.last_success_at ? <Time iso={publisher.last_success_at} /> : "never"}</dd>
            <dt className="text-zinc-500">Last error</dt>
            <dd className="break-words">
              {publisher.last_error ? (
                <>
                  <span className="text-red-700 dark:text-red-400">{publisher.last_error}</span>
                  {publisher.last_error_at && (
                    <span className="text-zinc-500">
                      {" "}
                      at <Time iso={publisher.last_error_at} />
                    </span>
                  )}
                </>
              ) : (
                "none"
              )}
            </dd>
            <dt className="text-zinc-500">Sent / failed</dt>
            <dd className="tabular-nums">
              {formatCount(publisher.sent_count)} /{" "}
              <span className={publisher.failed_count ? "text-red-700 dark:text-red-400" : ""}>
                {formatCount(publisher.failed_count)}
              </span>
            </dd>
            <dt className="text-zinc-500">Dropped</dt>
            <dd className={`tabular-nums ${publisher.dropped_count ? "text-amber-700 dark:text-amber-400" : ""}`}>
              {formatCount(publisher.dropped_count)}
            </dd>
            <dt className="text-zinc-500">Backlog</dt>
            <dd className="tabular-nums">{formatCount(publisher.backlog)}</dd>
          </dl>
          {shown.note && (
            <p className="text-xs text-zinc-600 dark:text-zinc-300" data-testid="publisher-note">
              {shown.note}
            </p>
          )}
          {user.role === "admin" && publisher.origin === "server" && (
            <div className="flex gap-2 pt-1">
              <Button
                variant="secondary"
                size="sm"
                disabled={!hydrated || toggle.isPending}
                onClick={() => toggle.mutate()}
              >
                {publisher.enabled ? "Disable" : "Enable"}
              </Button>
              <Button variant="secondary" size="sm" disabled={!hydrated} onClick={() => setEditing(!editing)}>
                {editing ? "Cancel editing" : "Edit"}
              </Button>
            </div>
          )}
          {toggle.error && <ActionError action={publisher.enabled ? "disable it" : "enable it"} error={toggle.error} />}
        </div>
        <div className="w-full min-w-72 flex-1">
          {points && points.some((p) => p.sent || p.failed || p.dropped) ? (
            <TimeChart
              label={`${publisher.name} sends and failures`}
              kind="bar"
              height={120}
              rows={countRows(points, ["sent", "failed", "dropped"])}
              series={[
                { key: "sent", label: "sent", color: COLORS.blue },
                { key: "failed", label: "failed", color: COLORS.red },
                { key: "dropped", label: "dropped", color: COLORS.amber },
              ]}
              format={formatCount}
            />
          ) : (
            <p className="pt-8 text-center text-xs text-zinc-500">No sends reported in this time range.</p>
          )}
        </div>
      </div>
      {editing && <PublisherForm publisher={publisher} onDone={() => setEditing(false)} />}
    </li>
  );
}

/** Adds a server-side publisher, or edits one: its config as JSON, credentials shown as •••••• and kept unless replaced. */
function PublisherForm({ publisher, onDone }: { publisher?: Publisher; onDone: () => void }) {
  const view = useView();
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<string | null>(null);
  const [type, setType] = useState<PublisherType>(TYPES[0]!);
  const save = useMutation({
    mutationFn: (body: BodyOf<"createPublisher">) =>
      publisher
        ? sendEndpoint(publisherUpdate(view, publisher.id), { name: body.name, config: body.config })
        : sendEndpoint(request("createPublisher", { query: { project: view.project } }), body),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: endpointKey(publishersRequest(view)) });
      onDone();
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    let config: unknown;
    try {
      config = JSON.parse(String(form.get("config") || "{}"));
    } catch {
      setProblem("The configuration is not valid JSON.");
      return;
    }
    if (!isJsonObject(config)) {
      setProblem("The configuration must be a JSON object.");
      return;
    }
    setProblem(null);
    save.mutate({ name: String(form.get("name") ?? ""), config, type, enabled: form.get("enabled") === "on" });
  };
  return (
    <Panel title={publisher ? `Edit ${publisher.name}` : "New server-side publisher"}>
      <form
        aria-label={publisher ? "Edit publisher" : "New publisher"}
        onSubmit={submit}
        className="grid gap-3 text-sm sm:grid-cols-2"
      >
        <label className="flex flex-col gap-0.5">
          Name
          <Input name="name" required defaultValue={publisher?.name} />
        </label>
        {!publisher && (
          <label className="flex flex-col gap-0.5">
            Type
            <Select
              name="type"
              value={type}
              onChange={(event) => setType(TYPES.find((t) => t === event.target.value) ?? type)}
            >
              {TYPES.map((type) => (
                <option key={type} value={type}>
                  {type}
                </option>
              ))}
            </Select>
          </label>
        )}
        <label className="flex flex-col gap-0.5 sm:col-span-2">
          Configuration (JSON)
          <Textarea
            key={publisher ? publisher.id : type}
            name="config"
            rows={6}
            defaultValue={JSON.stringify(publisher?.config ?? TEMPLATES[type], null, 2)}
            className="font-mono text-xs"
          />
        </label>
        {!publisher && (
          <label className="flex items-center gap-2">
            <input name="enabled" type="checkbox" defaultChecked /> Enabled
          </label>
        )}
        <div className="flex gap-2 sm:col-span-2">
          <Button type="submit" disabled={save.isPending}>
            {publisher ? "Save" : "Add"}
          </Button>
          <Button variant="secondary" onClick={onDone}>
            Cancel
          </Button>
        </div>
        {problem && (
          <p role="alert" className="text-red-700 sm:col-span-2 dark:text-red-400">
            {problem}
          </p>
        )}
        {save.error && (
          <div className="sm:col-span-2">
            <ActionError action={publisher ? "save the publisher" : "add the publisher"} error={save.error} />
          </div>
        )}
      </form>
    </Panel>
  );
}

const publisherUpdate = (view: View, id: string) =>
  request("updatePublisher", { params: { id }, query: { project: view.project } });

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
