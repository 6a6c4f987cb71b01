"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { AlertOnThis } from "@/components/alerts/alert-link";
import { TimeChart } from "@/components/charts/chart";
import { perHostRows } from "@/components/charts/prepare";
import { useEndpoint, useSetParams, useView } from "@/components/data/hooks";
import type { NetworkOp } from "@/components/data/types";
import {
  failedNetworkRequest,
  hostsRequest,
  networkSeriesRequest,
  readNetworkFilters,
  slowNetworkRequest,
  type NetworkFilters,
} from "@/components/data/requests";
import { viewHref } from "@/components/data/view";
import { formatBytes, formatCount, formatDuration, formatPercent } from "@/components/ui/format";
import { Panel, rowClass } from "@/components/ui/panel";
import { ApiListPanel } from "@/components/ui/api-panel";
import { QueryState } from "@/components/ui/states";
import { seriesColors } from "@/components/traces/colors";
import {
  FilterBar,
  Field,
  NameSelect,
  NothingSent,
  NumberCell,
  PipelinePage,
  RecordTable,
  TaskLink,
  TimeCell,
  type Column,
} from "./kit";

export function NetworkPage() {
  const view = useView();
  const params = useSearchParams();
  const filters = readNetworkFilters(params);
  const hosts = useEndpoint(hostsRequest(view));
  const series = useEndpoint(networkSeriesRequest(view, filters));

  return (
    <PipelinePage
      title="Network"
      description="The network operations of your tasks: which hosts are slow or failing, and how much goes over the wire."
    >
      <Filters
        key={params.toString()}
        filters={filters}
        hosts={[...new Set(hosts.data?.hosts.map((h) => h.host) ?? [])]}
      />
      <QueryState query={hosts} what="hosts">
        {({ hosts: list }) =>
          list.length === 0 ? (
            <NothingSent
              title="No network operation in this time range"
              send="them"
              endpoint="/api/v1/pipeline/network"
              sdk="NetworkTelemetry"
            />
          ) : (
            <Panel
              title="Hosts"
              actions={
                filters.host && (
                  <span className="flex flex-wrap gap-3">
                    {/* a rule watches one host:port: one link for each port the chosen host was reached on */}
                    {(list.some((h) => h.host === filters.host)
                      ? list.filter((h) => h.host === filters.host)
                      : [{ host: filters.host, port: undefined }]
                    ).map((h) => (
                      <AlertOnThis
                        key={h.port ?? ""}
                        prefill={{ kind: "network", host: h.host, port: h.port, measure: "error_rate", op: "above" }}
                        what={h.port === undefined ? h.host : `${h.host}:${h.port}`}
                      />
                    ))}
                  </span>
                )
              }
            >
              <RecordTable label="Hosts" columns={HOST_COLUMNS}>
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
                    <NumberCell>{formatCount(h.operations)}</NumberCell>
                    <NumberCell bad={h.errors > 0} data-column="errors">
                      {formatCount(h.errors)} ({formatPercent(h.operations ? h.errors / h.operations : 0)})
                    </NumberCell>
                    <NumberCell>{formatBytes(h.bytes_sent)}</NumberCell>
                    <NumberCell>{formatBytes(h.bytes_received)}</NumberCell>
                    <NumberCell>{formatDuration(h.p50_ms)}</NumberCell>
                    <NumberCell>{formatDuration(h.p95_ms)}</NumberCell>
                  </tr>
                ))}
              </RecordTable>
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
          const colored = (keys: string[]) => {
            const colors = seriesColors(keys);
            return keys.map((key, i) => ({ key, label: key, color: colors[i]! }));
          };
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
    </PipelinePage>
  );
}

const HOST_COLUMNS: Column[] = [
  { name: "Host" },
  { name: "Operations", numeric: true },
  { name: "Errors", numeric: true },
  { name: "Sent", numeric: true },
  { name: "Received", numeric: true },
  { name: "p50", numeric: true },
  { name: "p95", numeric: true },
];

function Filters({ filters, hosts }: { filters: NetworkFilters; hosts: string[] }) {
  const setParams = useSetParams();
  const apply = (form: FormData, threshold: string | null) =>
    setParams({ host: String(form.get("host") ?? "") || null, threshold });
  return (
    <FilterBar label="Network filters" threshold={filters.threshold} onApply={apply}>
      <Field label="Host">
        <NameSelect name="host" every="Every host" names={hosts} chosen={filters.host} />
      </Field>
    </FilterBar>
  );
}

const OPERATION_COLUMNS: Column[] = [
  { name: "Host" },
  { name: "Operation" },
  { name: "Task" },
  { name: "Started" },
  { name: "Latency", numeric: true },
  { name: "Sent / received", numeric: true },
  { name: "Error" },
];

export function OpsTable({ operations, label }: { operations: NetworkOp[]; label: string }) {
  return (
    <RecordTable label={label} columns={OPERATION_COLUMNS}>
      {operations.map((op) => (
        <tr key={op.id} className={rowClass}>
          <td className="py-1.5 font-mono text-xs">
            {op.host}:{op.port}
          </td>
          <td className="py-1.5">{op.operation}</td>
          <td className="max-w-40 truncate py-1.5 font-mono text-xs">
            <TaskLink taskId={op.task_id} />
          </td>
          <TimeCell iso={op.start_time} />
          <NumberCell>{formatDuration(op.latency_ms)}</NumberCell>
          <NumberCell>
            {formatBytes(op.bytes_sent)} / {formatBytes(op.bytes_received)}
          </NumberCell>
          <td className="py-1.5 break-words text-red-700 dark:text-red-400">{op.error ?? ""}</td>
        </tr>
      ))}
    </RecordTable>
  );
}

function FailedOps({ filters }: { filters: NetworkFilters }) {
  const view = useView();
  return (
    <ApiListPanel
      title="Failed operations"
      call={failedNetworkRequest(view, filters)}
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
    <ApiListPanel
      title={`Slow operations (over ${filters.threshold} s)`}
      call={slowNetworkRequest(view, filters)}
      what="slow network operations"
      items={(data) => data.operations}
      empty={`No operation took longer than ${filters.threshold} s`}
    >
      {({ operations }) => <OpsTable operations={operations} label="Slow operations" />}
    </ApiListPanel>
  );
}
