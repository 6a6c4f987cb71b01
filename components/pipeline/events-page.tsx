"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { CategoryBars, COLORS, TimeChart } from "@/components/charts/chart";
import { countRows, isStuck, retryBars } from "@/components/charts/prepare";
import { useApi, useSetParams, useView } from "@/components/data/hooks";
import type { PipelineEvent, PipelineEvents, PipelineSummary, RetryStats } from "@/components/data/types";
import {
  failedEventsUrl,
  pendingEventsUrl,
  pipelineSummaryUrl,
  readEventFilters,
  retryStatsUrl,
  slowEventsUrl,
  type EventFilters,
} from "@/components/data/urls";
import { viewHref } from "@/components/data/view";
import { formatCount, formatDuration, formatPercent } from "@/components/ui/format";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { headClass, Panel, rowClass, tableClass, Tiles } from "@/components/ui/panel";
import { ApiListPanel } from "@/components/ui/api-panel";
import { EmptyState, QueryState } from "@/components/ui/states";
import { useHydrated } from "@/components/ui/browser";
import { Time } from "@/components/ui/time";

export function EventsPage() {
  const view = useView();
  const params = useSearchParams();
  const filters = readEventFilters(params);
  const summary = useApi<PipelineSummary>(pipelineSummaryUrl(view, filters));
  const retries = useApi<RetryStats>(retryStatsUrl(view));

  return (
    <div className="mx-auto max-w-7xl space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Events</h1>
        <p className="text-sm text-zinc-500">
          Task executions of your pipelines: what failed and why, what is slow or stuck, and how often tasks are
          retried.
        </p>
      </div>
      <Filters
        key={params.toString()}
        filters={filters}
        eventNames={retries.data?.by_event_name.map((e) => e.event_name) ?? []}
      />
      <QueryState query={summary} what="the pipeline summary">
        {(s) =>
          s.runs === 0 ? (
            <EmptyState title="No task ran in this time range">
              Send task executions to <code>POST /api/v1/pipeline/events</code> (the SDK&apos;s pipeline telemetry
              does), or widen the time range.
            </EmptyState>
          ) : (
            <>
              <Tiles
                label="Pipeline summary"
                tiles={[
                  { name: "Runs", value: formatCount(s.runs) },
                  { name: "Failed", value: formatCount(s.failed), tone: s.failed ? "bad" : undefined },
                  {
                    name: "Failure rate",
                    value: formatPercent(s.failure_rate),
                    tone: s.failure_rate > 0 ? "bad" : undefined,
                  },
                  { name: "Retried", value: formatCount(s.retried) },
                  { name: "p95 duration", value: formatDuration(s.p95_ms) },
                  { name: "Stuck", value: formatCount(s.stuck), tone: s.stuck ? "warn" : undefined },
                ]}
              />
              <Panel title={`Runs and failures (${s.step_seconds} s steps)`}>
                <TimeChart
                  label="Runs and failures over time"
                  kind="bar"
                  rows={countRows(s.series, ["runs", "failed"])}
                  series={[
                    { key: "runs", label: "runs", color: COLORS.blue },
                    { key: "failed", label: "failed", color: COLORS.red },
                  ]}
                  format={formatCount}
                />
              </Panel>
            </>
          )
        }
      </QueryState>
      <FailedEvents filters={filters} />
      <SlowEvents filters={filters} />
      <StuckTasks filters={filters} />
      <QueryState query={summary} what="retry statistics">
        {(s) => (s.runs === 0 ? null : <RetryPanel summary={s} stats={retries.data} />)}
      </QueryState>
    </div>
  );
}

function Filters({ filters, eventNames }: { filters: EventFilters; eventNames: string[] }) {
  const setParams = useSetParams();
  const [threshold, setThreshold] = useState(filters.threshold);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim() || null;
    setParams({
      event_name: text("event_name"),
      error: text("error"),
      threshold: threshold === "1" ? null : threshold,
    });
  };
  return (
    <form
      aria-label="Event filters"
      onSubmit={submit}
      className="flex flex-wrap items-end gap-3 rounded-lg border border-zinc-200 bg-white p-3 text-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      <label className="flex flex-col gap-0.5">
        Event name
        <Select name="event_name" defaultValue={filters.event_name ?? ""}>
          <option value="">Every event</option>
          {filters.event_name && !eventNames.includes(filters.event_name) && (
            <option value={filters.event_name}>{filters.event_name}</option>
          )}
          {eventNames.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </Select>
      </label>
      <label className="flex flex-1 flex-col gap-0.5">
        Error text
        <Input name="error" type="search" defaultValue={filters.error} placeholder="e.g. timeout" />
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

function EventTable({ events, label, stuckAfter }: { events: PipelineEvent[]; label: string; stuckAfter?: number }) {
  const view = useView();
  const [now] = useState(() => Date.now());
  const hydrated = useHydrated();
  return (
    <div className="overflow-x-auto">
      <table aria-label={label} className={tableClass}>
        <thead className={headClass}>
          <tr>
            <th className="py-1 font-medium">Event</th>
            <th className="py-1 font-medium">Task</th>
            <th className="py-1 font-medium">Status / error</th>
            <th className="py-1 text-right font-medium">Retries</th>
            <th className="py-1 text-right font-medium">Process</th>
            <th className="py-1 font-medium">Started</th>
            <th className="py-1 text-right font-medium">Duration</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => {
            const stuck = hydrated && stuckAfter !== undefined && isStuck(event, stuckAfter, now);
            return (
              <tr key={event.task_id} data-task-id={event.task_id} className={rowClass}>
                <td className="py-1.5">{event.event_name}</td>
                <td className="max-w-48 truncate py-1.5 font-mono text-xs">
                  <Link
                    className="text-sky-700 hover:underline dark:text-sky-400"
                    href={viewHref(`/events/${encodeURIComponent(event.task_id)}`, view)}
                  >
                    {event.task_id}
                  </Link>
                </td>
                <td className="max-w-md py-1.5 break-words">
                  {event.error ? <span className="text-red-700 dark:text-red-400">{event.error}</span> : event.status}
                  {stuck && (
                    <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs font-medium text-amber-800 dark:bg-amber-950 dark:text-amber-300">
                      stuck
                    </span>
                  )}
                </td>
                <td className="py-1.5 text-right tabular-nums">{event.retry_count}</td>
                <td className="py-1.5 text-right tabular-nums">{event.process_id ?? "–"}</td>
                <td className="py-1.5 whitespace-nowrap text-zinc-500">
                  <Time iso={event.start_time} />
                </td>
                <td className="py-1.5 text-right tabular-nums">
                  {event.duration_ms === null
                    ? hydrated
                      ? `running ${formatDuration(now - Date.parse(event.start_time))}`
                      : "running"
                    : formatDuration(event.duration_ms)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function FailedEvents({ filters }: { filters: EventFilters }) {
  const view = useView();
  return (
    <ApiListPanel<PipelineEvents>
      title="Failed events"
      url={failedEventsUrl(view, filters)}
      what="failed events"
      items={(data) => data.events}
      empty={
        filters.error || filters.event_name
          ? "No failed event matches these filters"
          : "No event failed in this time range"
      }
    >
      {({ events, next_cursor }) => (
        <>
          <EventTable events={events} label="Failed events" />
          {next_cursor && (
            <p className="mt-2 text-xs text-zinc-500">
              The newest {events.length} are shown; narrow the time range or filter to see others.
            </p>
          )}
        </>
      )}
    </ApiListPanel>
  );
}

function SlowEvents({ filters }: { filters: EventFilters }) {
  const view = useView();
  return (
    <ApiListPanel<PipelineEvents>
      title={`Slow events (over ${filters.threshold} s)`}
      url={slowEventsUrl(view, filters)}
      what="slow events"
      items={(data) => data.events}
      empty={`No event took longer than ${filters.threshold} s`}
    >
      {({ events }) => <EventTable events={events} label="Slow events" />}
    </ApiListPanel>
  );
}

function StuckTasks({ filters }: { filters: EventFilters }) {
  const view = useView();
  return (
    <ApiListPanel<PipelineEvents>
      title="Pending tasks"
      url={pendingEventsUrl(view, filters)}
      what="pending tasks"
      items={(data) => data.events}
      empty="No task is pending"
    >
      {({ events }) => <EventTable events={events} label="Pending tasks" stuckAfter={Number(filters.threshold)} />}
    </ApiListPanel>
  );
}

function RetryPanel({ summary, stats }: { summary: PipelineSummary; stats: RetryStats | undefined }) {
  return (
    <div className="grid gap-4 lg:grid-cols-[2fr_3fr]">
      <Panel title={`Retries: ${formatPercent(summary.runs ? summary.retried / summary.runs : 0)} of runs retried`}>
        <CategoryBars
          rows={retryBars(summary.retry_distribution)}
          dataKey="runs"
          color={COLORS.amber}
          label="Runs by retry count"
          format={formatCount}
        />
      </Panel>
      <Panel title="Per event name">
        {stats && (
          <table aria-label="Retry statistics per event name" className={tableClass}>
            <thead className={headClass}>
              <tr>
                <th className="py-1 font-medium">Event</th>
                <th className="py-1 text-right font-medium">Runs</th>
                <th className="py-1 text-right font-medium">Failures</th>
                <th className="py-1 text-right font-medium">Retries</th>
                <th className="py-1 text-right font-medium">p50</th>
                <th className="py-1 text-right font-medium">p95</th>
              </tr>
            </thead>
            <tbody>
              {stats.by_event_name.map((e) => (
                <tr key={e.event_name} data-event-name={e.event_name} className={rowClass}>
                  <td className="py-1.5">{e.event_name}</td>
                  <td className="py-1.5 text-right tabular-nums">{formatCount(e.runs)}</td>
                  <td
                    className={`py-1.5 text-right tabular-nums ${e.failures ? "text-red-600 dark:text-red-400" : ""}`}
                  >
                    {formatCount(e.failures)}
                  </td>
                  <td className="py-1.5 text-right tabular-nums">{formatCount(e.retries)}</td>
                  <td className="py-1.5 text-right tabular-nums">{formatDuration(e.p50_ms)}</td>
                  <td className="py-1.5 text-right tabular-nums">{formatDuration(e.p95_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </div>
  );
}
