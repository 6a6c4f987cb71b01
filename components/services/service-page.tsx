"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { AlertOnThis } from "@/components/alerts/alert-link";
import { COLORS, TimeChart } from "@/components/charts/chart";
import { redRows } from "@/components/charts/prepare";
import { useEndpoint, useView } from "@/components/data/hooks";
import { operationsRequest, serviceSeriesRequest } from "@/components/data/requests";
import { viewHref, type View } from "@/components/data/view";
import { formatDuration, formatPercent, formatRate } from "@/components/ui/format";
import { EmptyState, QueryState } from "@/components/ui/states";

function Panel({ title, actions, children }: { title: string; actions?: React.ReactNode; children: React.ReactNode }) {
  return (
    <section
      aria-label={title}
      className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900"
    >
      <div className="mb-2 flex items-baseline justify-between gap-2">
        <h2 className="text-sm font-medium text-zinc-600 dark:text-zinc-300">{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/**
 * The traces of a chart's time bucket: `filters` on the service's traces from the bucket's start to its end, the
 * slowest first (a latency chart) or the failing ones (an error chart).
 */
export function bucketTracesHref(
  view: View,
  service: string,
  bucketStartMs: number,
  stepSeconds: number,
  filters: Record<string, string>,
): string {
  return viewHref(
    "/traces",
    { ...view, from: String(bucketStartMs), to: String(bucketStartMs + stepSeconds * 1000 - 1) },
    { service, ...filters },
  );
}

export function ServicePage({ name }: { name: string }) {
  const view = useView();
  const router = useRouter();
  const series = useEndpoint(serviceSeriesRequest(view, name));
  const operations = useEndpoint(operationsRequest(view, name));

  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <div className="flex items-baseline justify-between">
        <div>
          <p className="text-sm text-zinc-500">
            <Link href={viewHref("/", view)} className="hover:underline">
              Overview
            </Link>{" "}
            / service
          </p>
          <h1 className="text-2xl font-semibold tracking-tight">{name}</h1>
        </div>
        <Link
          href={viewHref("/traces", view, { service: name })}
          className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
        >
          Traces of {name}
        </Link>
      </div>
      <QueryState query={series} what={`${name}'s requests over time`}>
        {(data) => {
          const rows = redRows(data.series[0]?.points ?? []);
          // a click on a chart opens the traces of its time bucket: the slowest, the failing, or all of them
          const open = (filters: Record<string, string>) => (row: { time: number }) =>
            router.push(bucketTracesHref(view, name, row.time, data.step_seconds, filters));
          return (
            <div className="grid gap-4 lg:grid-cols-3">
              <Panel title={`Requests per second (${data.step_seconds} s steps)`}>
                <TimeChart
                  label="Requests per second"
                  kind="area"
                  rows={rows}
                  series={[{ key: "requestRate", label: "requests/s", color: COLORS.blue }]}
                  format={formatRate}
                  onPick={open({})}
                />
              </Panel>
              <Panel
                title="Error rate"
                actions={
                  <AlertOnThis
                    prefill={{ kind: "service", service: name, measure: "error_rate", op: "above" }}
                    what={`${name} error rate`}
                  />
                }
              >
                <TimeChart
                  label="Error rate"
                  kind="area"
                  rows={rows}
                  series={[{ key: "errorRate", label: "error rate", color: COLORS.red }]}
                  format={formatPercent}
                  onPick={open({ status: "error" })}
                />
              </Panel>
              <Panel
                title="Latency"
                actions={
                  <AlertOnThis
                    prefill={{ kind: "service", service: name, measure: "p95_ms", op: "above" }}
                    what={`${name} p95 latency`}
                  />
                }
              >
                <TimeChart
                  label="Latency percentiles"
                  rows={rows}
                  series={[
                    { key: "p50", label: "p50", color: COLORS.green },
                    { key: "p95", label: "p95", color: COLORS.amber },
                    { key: "p99", label: "p99", color: COLORS.red },
                  ]}
                  format={formatDuration}
                  onPick={open({ sort: "slowest" })}
                />
              </Panel>
            </div>
          );
        }}
      </QueryState>
      <p className="text-xs text-zinc-500">
        Click a chart to open the traces of that moment: the slowest from the latency chart, the failing ones from the
        error rate.
      </p>
      <Panel title="Operations">
        <QueryState query={operations} what={`${name}'s operations`}>
          {(data) =>
            data.operations.length === 0 ? (
              <EmptyState title={`${name} has no spans in this time range`}>Choose a longer time range.</EmptyState>
            ) : (
              <table aria-label="Operations" className="w-full text-sm">
                <thead className="text-left text-xs text-zinc-500">
                  <tr>
                    <th className="py-1 font-medium">Operation</th>
                    <th className="py-1 text-right font-medium">Spans</th>
                    <th className="py-1 text-right font-medium">Rate</th>
                    <th className="py-1 text-right font-medium">Error rate</th>
                    <th className="py-1 text-right font-medium">p50</th>
                    <th className="py-1 text-right font-medium">p95</th>
                    <th className="py-1 text-right font-medium">p99</th>
                  </tr>
                </thead>
                <tbody>
                  {data.operations.map((op) => {
                    // an operation that handles no requests (a client call, internal work) is measured by its spans
                    const bySpans = op.request_count === 0;
                    const m = bySpans
                      ? {
                          rate: `${formatRate(op.span_rate)} spans`,
                          errors: op.span_error_rate,
                          p50: op.span_p50_ms,
                          p95: op.span_p95_ms,
                          p99: op.span_p99_ms,
                        }
                      : {
                          rate: formatRate(op.request_rate),
                          errors: op.error_rate,
                          p50: op.p50_ms,
                          p95: op.p95_ms,
                          p99: op.p99_ms,
                        };
                    return (
                      <tr
                        key={op.name}
                        data-operation={op.name}
                        data-measure={bySpans ? "spans" : "requests"}
                        title={
                          bySpans
                            ? "measured by its spans: it handles no requests (a client call or internal work)"
                            : undefined
                        }
                        className="border-t border-zinc-100 dark:border-zinc-800"
                      >
                        <td className="py-1.5">
                          <Link
                            className="text-sky-700 hover:underline dark:text-sky-400"
                            href={viewHref("/traces", view, { service: name, operation: op.name })}
                          >
                            {op.name}
                          </Link>
                        </td>
                        <td className="py-1.5 text-right tabular-nums">{op.span_count}</td>
                        <td className="py-1.5 text-right tabular-nums" data-column="rate">
                          {m.rate}
                        </td>
                        <td
                          className={`py-1.5 text-right tabular-nums ${m.errors > 0 ? "text-red-600 dark:text-red-400" : ""}`}
                          data-column="error-rate"
                        >
                          {formatPercent(m.errors)}
                        </td>
                        <td className="py-1.5 text-right tabular-nums">{formatDuration(m.p50)}</td>
                        <td className="py-1.5 text-right tabular-nums" data-column="p95">
                          {formatDuration(m.p95)}
                        </td>
                        <td className="py-1.5 text-right tabular-nums">{formatDuration(m.p99)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )
          }
        </QueryState>
      </Panel>
    </div>
  );
}
