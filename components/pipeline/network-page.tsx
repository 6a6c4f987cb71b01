"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { TimeChart } from "@/components/charts/chart";
import { perHostRows } from "@/components/charts/prepare";
import { useApi, useSetParams, useView } from "@/components/data/hooks";
import type { Hosts, NetworkOp, NetworkOps, NetworkSeries } from "@/components/data/types";
import {
  failedNetworkUrl,
  hostsUrl,
  networkSeriesUrl,
  readNetworkFilters,
  slowNetworkUrl,
  type NetworkFilters,
} from "@/components/data/urls";
import { viewHref } from "@/components/data/view";
import { formatBytes, formatCount, formatDuration, formatPercent } from "@/components/ui/format";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { headClass, Panel, rowClass, tableClass } from "@/components/ui/panel";
import { ApiListPanel } from "@/components/ui/api-panel";
import { EmptyState, QueryState } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { serviceColor } from "@/components/traces/colors";

export function NetworkPage() {
  const view = useView();
  const params = useSearchParams();
  const filters = readNetworkFilters(params);
  const hosts = useApi<Hosts>(hostsUrl(view));
  const series = useApi<NetworkSeries>(networkSeriesUrl(view, filters));

  return (
    <div className="mx-auto max-w-7xl space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Network</h1>
        <p className="text-sm text-zinc-500">
          The network operations of your tasks: which hosts are slow or failing, and how much goes over the wire.
        </p>
      </div>
      <Filters
        key={params.toString()}
        filters={filters}
        hosts={[...new Set(hosts.data?.hosts.map((h) => h.host) ?? [])]}
      />
      <QueryState query={hosts} what="hosts">
        {({ hosts: list }) =>
          list.length === 0 ? (
            <EmptyState title="No network operation in this time range">
              Send them to <code>POST /api/v1/pipeline/network</code> (the SDK&apos;s NetworkTelemetry does), or widen
              the time range.
            </EmptyState>
          ) : (
            <Panel title="Hosts">
              <table aria-label="Hosts" className={tableClass}>
                <thead className={headClass}>
                  <tr>
                    <th className="py-1 font-medium">Host</th>
                    <th className="py-1 text-right font-medium">Operations</th>
                    <th className="py-1 text-right font-medium">Errors</th>
                    <th className="py-1 text-right font-medium">Sent</th>
                    <th className="py-1 text-right font-medium">Received</th>
                    <th className="py-1 text-right font-medium">p50</th>
                    <th className="py-1 text-right font-medium">p95</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((h) => (
                    <tr key={`${h.host}:${h.port}`} data-host={`${h.host}:${h.port}`} className={rowClass}>
                      <td className="py-1.5 font-mono text-xs">
                        <Link
                          className="text-sky-700 hover:underline dark:text-sky-400"
                          href={viewHref("/network", view, { host: h.host })}
                        >
                          {h.host}:{h.port}
                        </Link>
                      </td>
                      <td className="py-1.5 text-right tabular-nums">{formatCount(h.operations)}</td>
                      <td
                        className={`py-1.5 text-right tabular-nums ${h.errors ? "text-red-600 dark:text-red-400" : ""}`}
                        data-column="errors"
                      >
                        {formatCount(h.errors)} ({formatPercent(h.operations ? h.errors / h.operations : 0)})
                      </td>
                      <td className="py-1.5 text-right tabular-nums">{formatBytes(h.bytes_sent)}</td>
                      <td className="py-1.5 text-right tabular-nums">{formatBytes(h.bytes_received)}</td>
                      <td className="py-1.5 text-right tabular-nums">{formatDuration(h.p50_ms)}</td>
                      <td className="py-1.5 text-right tabular-nums">{formatDuration(h.p95_ms)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Panel>
          )
        }
      </QueryState>
      <QueryState query={series} what="network operations over time">
        {(data) => {
          if (data.series.length === 0) return null;
          const latency = perHostRows(data.series, "p95_ms");
          const sent = perHostRows(data.series, "bytes_sent");
          const received = perHostRows(data.series, "bytes_received");
          const colored = (keys: string[]) => keys.map((key) => ({ key, label: key, color: serviceColor(key) }));
          return (
            <div className="grid gap-4 lg:grid-cols-3">
              <Panel title={`p95 latency per host (${data.step_seconds} s steps)`}>
                <TimeChart
                  label="Latency per host"
                  rows={latency.rows}
                  series={colored(latency.keys)}
                  format={formatDuration}
                />
              </Panel>
              <Panel title="Bytes sent per host">
                <TimeChart
                  label="Bytes sent per host"
                  kind="area"
                  rows={sent.rows}
                  series={colored(sent.keys)}
                  format={formatBytes}
                />
              </Panel>
              <Panel title="Bytes received per host">
                <TimeChart
                  label="Bytes received per host"
                  kind="area"
                  rows={received.rows}
                  series={colored(received.keys)}
                  format={formatBytes}
                />
              </Panel>
            </div>
          );
        }}
      </QueryState>
      <FailedOps filters={filters} />
      <SlowOps filters={filters} />
    </div>
  );
}

function Filters({ filters, hosts }: { filters: NetworkFilters; hosts: string[] }) {
  const setParams = useSetParams();
  const [threshold, setThreshold] = useState(filters.threshold);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setParams({ host: String(form.get("host") ?? "") || null, threshold: threshold === "1" ? null : threshold });
  };
  return (
    <form
      aria-label="Network filters"
      onSubmit={submit}
      className="flex flex-wrap items-end gap-3 rounded-lg border border-zinc-200 bg-white p-3 text-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      <label className="flex flex-col gap-0.5">
        Host
        <Select name="host" defaultValue={filters.host ?? ""}>
          <option value="">Every host</option>
          {filters.host && !hosts.includes(filters.host) && <option value={filters.host}>{filters.host}</option>}
          {hosts.map((host) => (
            <option key={host} value={host}>
              {host}
            </option>
          ))}
        </Select>
      </label>
      <label className="flex flex-col gap-0.5">
        Slow threshold (s)
        <Input
          name="threshold"
          type="number"
          min={0}
          step="any"
          required
          value={threshold}
          onChange={(e) => setThreshold(e.target.value)}
          className="w-28"
        />
      </label>
      <Button type="submit">Apply</Button>
    </form>
  );
}

export function OpsTable({ operations, label }: { operations: NetworkOp[]; label: string }) {
  const view = useView();
  return (
    <div className="overflow-x-auto">
      <table aria-label={label} className={tableClass}>
        <thead className={headClass}>
          <tr>
            <th className="py-1 font-medium">Host</th>
            <th className="py-1 font-medium">Operation</th>
            <th className="py-1 font-medium">Task</th>
            <th className="py-1 font-medium">Started</th>
            <th className="py-1 text-right font-medium">Latency</th>
            <th className="py-1 text-right font-medium">Sent / received</th>
            <th className="py-1 font-medium">Error</th>
          </tr>
        </thead>
        <tbody>
          {operations.map((op) => (
            <tr key={op.id} className={rowClass}>
              <td className="py-1.5 font-mono text-xs">
                {op.host}:{op.port}
              </td>
              <td className="py-1.5">{op.operation}</td>
              <td className="max-w-40 truncate py-1.5 font-mono text-xs">
                <Link
                  className="text-sky-700 hover:underline dark:text-sky-400"
                  href={viewHref(`/events/${encodeURIComponent(op.task_id)}`, view)}
                >
                  {op.task_id}
                </Link>
              </td>
              <td className="py-1.5 whitespace-nowrap text-zinc-500">
                <Time iso={op.start_time} />
              </td>
              <td className="py-1.5 text-right tabular-nums">{formatDuration(op.latency_ms)}</td>
              <td className="py-1.5 text-right tabular-nums">
                {formatBytes(op.bytes_sent)} / {formatBytes(op.bytes_received)}
              </td>
              <td className="py-1.5 break-words text-red-700 dark:text-red-400">{op.error ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FailedOps({ filters }: { filters: NetworkFilters }) {
  const view = useView();
  return (
    <ApiListPanel<NetworkOps>
      title="Failed operations"
      url={failedNetworkUrl(view, filters)}
      what="failed network operations"
      items={(data) => data.operations}
      empty="No network operation failed in this time range"
    >
      {({ operations }) => <OpsTable operations={operations} label="Failed operations" />}
    </ApiListPanel>
  );
}

function SlowOps({ filters }: { filters: NetworkFilters }) {
  const view = useView();
  return (
    <ApiListPanel<NetworkOps>
      title={`Slow operations (over ${filters.threshold} s)`}
      url={slowNetworkUrl(view, filters)}
      what="slow network operations"
      items={(data) => data.operations}
      empty={`No operation took longer than ${filters.threshold} s`}
    >
      {({ operations }) => <OpsTable operations={operations} label="Slow operations" />}
    </ApiListPanel>
  );
}
