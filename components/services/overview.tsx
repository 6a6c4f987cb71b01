"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { COLORS, Sparkline } from "@/components/charts/chart";
import { byImpact, redRows, type RedRow } from "@/components/charts/prepare";
import type { AnswerOf } from "@/components/data/api";
import { useEndpoint, useView } from "@/components/data/hooks";
import type { ServiceSeries, Services } from "@/components/data/types";
import { serviceSeriesRequest, servicesRequest, statsRequest } from "@/components/data/requests";
import { SendDataGuide } from "@/components/layout/send-data";
import { formatCount, formatDuration, formatPercent, formatRate } from "@/components/ui/format";
import { serviceHref } from "@/components/ui/links";
import { bucketTracesHref } from "./service-page";
import { EmptyState, QueryState } from "@/components/ui/states";

const STORED: [keyof AnswerOf<"projectStats">, string][] = [
  ["spans", "Spans"],
  ["traces", "Traces"],
  ["metric_points", "Metric points"],
  ["logs", "Logs"],
  ["events", "Events"],
  ["pipeline_events", "Pipeline events"],
  ["network_ops", "Network operations"],
];

export function ServicesOverview() {
  const view = useView();
  const stats = useEndpoint(statsRequest(view));
  const services = useEndpoint(servicesRequest(view));
  const series = useEndpoint(serviceSeriesRequest(view));
  const empty = stats.data !== undefined && Object.values(stats.data).every((n) => n === 0);

  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Overview</h1>
        <p className="text-sm text-zinc-500">Requests, errors and latency of each service, busiest tail first.</p>
      </div>
      <QueryState query={stats} what="the project's stored data">
        {(counts) => (
          <section aria-labelledby="stored-heading">
            {/* counts of everything kept, whatever the time range: said so, since the rest of the page is the range's */}
            <h2 id="stored-heading" className="mb-1 text-xs font-medium text-zinc-500">
              Stored in this project, all time (within retention)
            </h2>
            <dl aria-label="Stored data" className="grid grid-cols-2 gap-2 sm:grid-cols-4 lg:grid-cols-7">
              {STORED.map(([key, label]) => (
                <div
                  key={key}
                  data-signal={key}
                  className="rounded-md border border-zinc-200 bg-white px-3 py-2 dark:border-zinc-800 dark:bg-zinc-900"
                >
                  <dt className="text-xs text-zinc-500">{label}</dt>
                  <dd className="text-lg font-semibold tabular-nums">{formatCount(counts[key])}</dd>
                </div>
              ))}
            </dl>
          </section>
        )}
      </QueryState>
      {empty ? (
        <SendDataGuide />
      ) : (
        <QueryState query={services} what="services">
          {({ services: list }) =>
            list.length === 0 ? (
              <EmptyState title="No service handled requests in this time range">
                Choose a longer time range, or check that your services are sending spans.
              </EmptyState>
            ) : (
              <ServicesTable services={byImpact(list)} series={series.data} />
            )
          }
        </QueryState>
      )}
    </div>
  );
}

function ServicesTable({ services, series }: { services: Services["services"]; series: ServiceSeries | undefined }) {
  const view = useView();
  const router = useRouter();
  // a click on a sparkline opens the service's traces of that moment: all, the failing, or the slowest first
  const open = (service: string, filters: Record<string, string>) => (row: RedRow) =>
    series && router.push(bucketTracesHref(view, service, row.time, series.step_seconds, filters));
  const rowsOf = new Map<string, RedRow[]>((series?.series ?? []).map((s) => [s.service, redRows(s.points)]));
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <table aria-label="Services" className="w-full text-sm">
        <thead className="border-b border-zinc-200 text-left text-xs text-zinc-500 dark:border-zinc-800">
          <tr>
            {/* each figure's header stands over it, right-aligned as the figures are; its trend's column has its own */}
            <th className="px-3 py-2 font-medium">Service</th>
            <th className="px-3 py-2 text-right font-medium">Requests</th>
            <th className="px-1 py-2 font-medium">
              <span className="sr-only">Requests over time</span>
            </th>
            <th className="px-3 py-2 text-right font-medium">Error rate</th>
            <th className="px-1 py-2 font-medium">
              <span className="sr-only">Error rate over time</span>
            </th>
            <th className="px-3 py-2 text-right font-medium">p50</th>
            <th className="px-3 py-2 text-right font-medium">p95</th>
            <th className="px-1 py-2 font-medium">
              <span className="sr-only">p95 over time</span>
            </th>
            <th className="px-3 py-2 text-right font-medium">p99</th>
          </tr>
        </thead>
        <tbody>
          {services.map((service) => {
            const rows = rowsOf.get(service.name) ?? [];
            return (
              <tr
                key={service.name}
                data-service={service.name}
                className="border-b border-zinc-100 last:border-0 dark:border-zinc-800"
              >
                <td className="px-3 py-2 font-medium">
                  <ServiceLink name={service.name} />
                </td>
                <td className="px-3 py-2 text-right tabular-nums" data-column="rate">
                  {formatRate(service.request_rate)}
                </td>
                <td className="px-1 py-1">
                  {rows.length > 0 && (
                    <Sparkline
                      rows={rows}
                      dataKey="requestRate"
                      onPick={open(service.name, {})}
                      color={COLORS.blue}
                      label={`${service.name} requests over time`}
                    />
                  )}
                </td>
                <td
                  className={`px-3 py-2 text-right tabular-nums ${service.error_rate > 0 ? "text-red-600 dark:text-red-400" : ""}`}
                  data-column="error-rate"
                >
                  {formatPercent(service.error_rate)}
                </td>
                <td className="px-1 py-1">
                  {rows.length > 0 && (
                    <Sparkline
                      rows={rows}
                      dataKey="errorRate"
                      onPick={open(service.name, { status: "error" })}
                      color={COLORS.red}
                      label={`${service.name} error rate over time`}
                    />
                  )}
                </td>
                <td className="px-3 py-2 text-right tabular-nums">{formatDuration(service.p50_ms)}</td>
                <td className="px-3 py-2 text-right tabular-nums" data-column="p95">
                  {formatDuration(service.p95_ms)}
                </td>
                <td className="px-1 py-1">
                  {rows.length > 0 && (
                    <Sparkline
                      rows={rows}
                      dataKey="p95"
                      onPick={open(service.name, { sort: "slowest" })}
                      color={COLORS.violet}
                      label={`${service.name} p95 latency over time`}
                    />
                  )}
                </td>
                <td className="px-3 py-2 text-right tabular-nums">{formatDuration(service.p99_ms)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** A service's page; a name that no path segment can hold (`.`, `..`) stays plain text. */
function ServiceLink({ name }: { name: string }) {
  const href = serviceHref(name, useView());
  if (!href) return <>{name}</>;
  return (
    <Link className="text-sky-700 hover:underline dark:text-sky-400" href={href}>
      {name}
    </Link>
  );
}
