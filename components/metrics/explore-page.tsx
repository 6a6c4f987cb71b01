"use client";

import { useQueries } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { AlertOnThis } from "@/components/alerts/alert-link";
import { AGGS } from "@/components/alerts/draft";
import { SeriesLegend, TimeChart, type ChartMark } from "@/components/charts/chart";
import { chartKind, defaultAggregation, metricRows } from "@/components/charts/prepare";
import { endpointUrl } from "@/components/data/api";
import { endpointQuery, useEndpoint, useSetParams, useView } from "@/components/data/hooks";
import type { MetricInfo } from "@/components/data/types";
import {
  metricQueryRequests,
  metricsListRequest,
  PERCENTILES,
  readMetricFilters,
  type MetricFilters,
} from "@/components/data/requests";
import { useOrigin } from "@/components/ui/browser";
import { CopyButton } from "@/components/ui/copy-button";
import { Button } from "@/components/ui/button";
import { formatCount } from "@/components/ui/format";
import { Input, Select } from "@/components/ui/input";
import { Panel } from "@/components/ui/panel";
import { EmptyState, ErrorState, Loading, QueryState } from "@/components/ui/states";
import { viewHref } from "@/components/data/view";
import { seriesColors } from "@/components/traces/colors";
import { traceHref } from "@/components/ui/links";

const AGGREGATIONS = ["avg", "min", "max", "sum", "count", "rate", "p50", "p90", "p95", "p99"];
/** aggregations in the unit of a single measurement, over which exemplars can be drawn */
const MEASURED = new Set(["avg", "min", "max", "p50", "p90", "p95", "p99", "percentiles"]);

/** Values in the metric's unit, compact. */
function unitFormat(unit: string | null | undefined, agg: string): (value: number) => string {
  const suffix =
    agg === "rate"
      ? `${unit && unit !== "1" ? ` ${unit}` : ""}/s`
      : agg === "count"
        ? ""
        : unit && unit !== "1"
          ? ` ${unit}`
          : "";
  return (value: number) => `${Number(value.toPrecision(3)).toLocaleString("en")}${suffix}`;
}

export function ExplorePage() {
  const view = useView();
  const params = useSearchParams();
  const filters = readMetricFilters(params);
  const list = useEndpoint(metricsListRequest(view));
  const [search, setSearch] = useState("");
  const metrics = list.data?.metrics ?? [];
  const chosen = metrics.find((m) => m.name === filters.metric);
  const setParams = useSetParams();

  return (
    <div className="mx-auto grid max-w-[1600px] gap-4 lg:grid-cols-[18rem_1fr]">
      <aside
        aria-label="Metrics"
        className="rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900"
      >
        <Input
          type="search"
          aria-label="Find a metric"
          placeholder="Find a metric…"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          className="w-full"
        />
        <QueryState query={list} what="metrics">
          {() => {
            const shown = metrics.filter((m) => m.name.toLowerCase().includes(search.trim().toLowerCase()));
            return shown.length === 0 ? (
              <p className="mt-3 text-sm text-zinc-500">
                {metrics.length === 0
                  ? "This project has no metrics yet: send them over OTLP (/v1/metrics) or POST /api/v1/metrics."
                  : "No metric name contains that."}
              </p>
            ) : (
              <ul className="mt-2 max-h-[70vh] space-y-0.5 overflow-y-auto text-sm">
                {shown.map((m) => (
                  <li key={m.name}>
                    <Button
                      variant="ghost"
                      aria-current={m.name === filters.metric ? "true" : undefined}
                      onClick={() => setParams({ metric: m.name, agg: null, tag: null, group_by: null, step: null })}
                      className={`w-full rounded px-2 py-1 text-left ${m.name === filters.metric ? "bg-sky-50 font-medium text-sky-800 dark:bg-sky-950 dark:text-sky-300" : ""}`}
                    >
                      <span className="block truncate">{m.name}</span>
                      <span className="text-xs text-zinc-500">
                        {m.type}
                        {m.unit ? ` · ${m.unit}` : ""} · {formatCount(m.series_count)} series
                      </span>
                    </Button>
                  </li>
                ))}
              </ul>
            );
          }}
        </QueryState>
      </aside>
      <div className="min-w-0 space-y-4">
        <h1 className="text-2xl font-semibold tracking-tight">Metrics explorer</h1>
        {!filters.metric ? (
          <EmptyState title="Pick a metric">Choose one from the list to chart it over the time range.</EmptyState>
        ) : (
          <MetricChart key={params.toString()} filters={filters} info={chosen} />
        )}
      </div>
    </div>
  );
}

function MetricChart({ filters, info }: { filters: MetricFilters; info: MetricInfo | undefined }) {
  const view = useView();
  const setParams = useSetParams();
  const agg = filters.agg ?? defaultAggregation(info?.type);
  const calls = metricQueryRequests(view, filters, agg);
  const urls = calls.map(endpointUrl);
  const answers = useQueries({ queries: calls.map(endpointQuery) });
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const origin = useOrigin();
  const isHistogram = info?.type === "histogram" || info?.type === "exponential_histogram" || info?.type === "summary";

  const router = useRouter();
  // exemplars are measurements: drawn where the chart shows measurements too (not counts, sums or rates)
  const marks: ChartMark[] = MEASURED.has(agg)
    ? (answers[0]?.data?.exemplars ?? []).flatMap((e) => {
        const href = traceHref(e.trace_id, view, e.span_id);
        return href ? [{ time: Date.parse(e.time), value: e.value, onOpen: () => router.push(href) }] : [];
      })
    : [];

  // a click on the chart opens the traces of that time bucket, slowest first: the service's when the query names one
  const service = filters.tag.find((t) => t.startsWith("service.name:"))?.slice("service.name:".length);
  const openTraces = (row: { time: number }) => {
    const step = answers[0]?.data?.step_seconds;
    if (!step) return;
    const bucket = { ...view, from: String(row.time), to: String(row.time + step * 1000 - 1) };
    router.push(viewHref("/traces", bucket, { service, sort: "slowest" }));
  };

  const failed = answers.find((a) => a.error);
  const ready = answers.every((a) => a.data);
  const chart = ready
    ? metricRows(
        answers.map((a, i) => ({ prefix: agg === "percentiles" ? PERCENTILES[i]! : "", series: a.data!.series })),
      )
    : undefined;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    setParams({
      agg: text("agg") || null,
      step: text("step") || null,
      tag: text("tag")
        .split(/\s+/)
        .filter((pair) => pair.includes(":")),
      group_by: text("group_by") || null,
    });
  };

  const format = unitFormat(answers[0]?.data?.unit ?? info?.unit, agg === "percentiles" ? "p95" : agg);
  const keys = chart?.keys ?? [];
  const colors = seriesColors(keys);
  const series = keys.map((key, i) => ({ key, label: key, color: colors[i]! }));

  return (
    <>
      <form
        aria-label="Metric query"
        onSubmit={submit}
        className="flex flex-wrap items-end gap-3 rounded-lg border border-zinc-200 bg-white p-3 text-sm dark:border-zinc-800 dark:bg-zinc-900"
      >
        <p className="w-full font-medium">
          {filters.metric}
          {info && (
            <span className="ml-2 text-xs font-normal text-zinc-500">
              {info.type}
              {info.unit ? ` · ${info.unit}` : ""}
              {info.description ? ` · ${info.description}` : ""}
            </span>
          )}
        </p>
        <label className="flex flex-col gap-0.5">
          Aggregation
          <Select name="agg" defaultValue={agg}>
            {isHistogram && <option value="percentiles">p50 / p95 / p99</option>}
            {AGGREGATIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </Select>
        </label>
        <label className="flex flex-col gap-0.5">
          Step
          <Input name="step" defaultValue={filters.step} placeholder="auto (e.g. 1m)" className="w-28" />
        </label>
        <label className="flex flex-1 flex-col gap-0.5">
          Tag filters (key:value, space-separated)
          <Input name="tag" defaultValue={filters.tag.join(" ")} placeholder="service.name:api" />
        </label>
        <label className="flex flex-col gap-0.5">
          Group by
          <Select name="group_by" defaultValue={filters.group_by ?? ""}>
            <option value="">Nothing</option>
            {filters.group_by && !info?.tag_keys.includes(filters.group_by) && (
              <option value={filters.group_by}>{filters.group_by}</option>
            )}
            {info?.tag_keys.map((key) => (
              <option key={key} value={key}>
                {key}
              </option>
            ))}
          </Select>
        </label>
        <Button type="submit">Run</Button>
      </form>
      <Panel
        title={
          answers[0]?.data
            ? `${agg === "percentiles" ? "p50 / p95 / p99" : agg} per ${answers[0].data.step_seconds} s`
            : "Chart"
        }
        actions={
          filters.metric && (
            <AlertOnThis
              prefill={{
                kind: "metric",
                metric: filters.metric,
                // a rule compares one aggregation: of the three percentiles drawn, the p95
                agg: AGGS.find((a) => a === agg) ?? "p95",
                tags: filters.tag,
                group_by: filters.group_by ? [filters.group_by] : [],
                op: "above",
              }}
              what={`${agg === "percentiles" ? "p95" : agg} of ${filters.metric}`}
            />
          )
        }
      >
        {failed ? (
          <ErrorState
            what={`${filters.metric}`}
            error={failed.error}
            onRetry={() => answers.forEach((a) => void a.refetch())}
          />
        ) : !chart ? (
          <Loading what={filters.metric ?? "the metric"} />
        ) : chart.keys.length === 0 ? (
          <EmptyState title="No data point in this time range">Widen the time range or remove a tag filter.</EmptyState>
        ) : (
          <div className="space-y-2">
            <SeriesLegend
              series={series}
              hidden={hidden}
              onToggle={(key) =>
                setHidden((previous) => {
                  const next = new Set(previous);
                  if (next.has(key)) next.delete(key);
                  else next.add(key);
                  return next;
                })
              }
            />
            <TimeChart
              label={`${filters.metric} over time`}
              kind={agg === "percentiles" ? "line" : chartKind(agg)}
              rows={chart.rows}
              series={series.filter((s) => !hidden.has(s.key))}
              format={format}
              height={320}
              legend={false}
              marks={marks}
              onPick={openTraces}
            />
            {marks.length > 0 && (
              <p className="text-xs text-zinc-500">
                ◆ {marks.length === 1 ? "an exemplar" : `${marks.length} exemplars`}: single measurements that name
                their trace; click one to open it.
              </p>
            )}
          </div>
        )}
      </Panel>
      <Panel title="The query">
        <ul className="space-y-1 text-xs">
          {urls.map((url) => (
            <li key={url} className="flex items-center gap-2">
              <a
                href={url}
                className="min-w-0 flex-1 truncate font-mono text-sky-700 hover:underline dark:text-sky-400"
                data-testid="query-link"
              >
                {origin}
                {url}
              </a>
              <CopyButton text={`${origin}${url}`} />
            </li>
          ))}
        </ul>
      </Panel>
    </>
  );
}
