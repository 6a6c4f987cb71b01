"use client";

import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { AlertOnThis } from "@/components/alerts/alert-link";
import { CategoryBars, COLORS, TimeChart } from "@/components/charts/chart";
import { countRows, retryBars } from "@/components/charts/prepare";
import { useEndpoint, useSetParams, useView } from "@/components/data/hooks";
import type { PipelineEvent, PipelineSummary, RetryStats } from "@/components/data/types";
import {
  failedEventsRequest,
  pendingEventsRequest,
  pipelineSummaryRequest,
  readEventFilters,
  retryStatsRequest,
  slowEventsRequest,
  type EventFilters,
} from "@/components/data/requests";
import { formatCount, formatDuration, formatPercent } from "@/components/ui/format";
import { Input } from "@/components/ui/input";
import { Panel, rowClass, Tiles } from "@/components/ui/panel";
import { ApiListPanel } from "@/components/ui/api-panel";
import { QueryState } from "@/components/ui/states";
import { useHydrated } from "@/components/ui/browser";
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

export function EventsPage() {
  const view = useView();
  const params = useSearchParams();
  const filters = readEventFilters(params);
  const summary = useEndpoint(pipelineSummaryRequest(view, filters));
  const retries = useEndpoint(retryStatsRequest(view));

  return (
    <PipelinePage
      title="Events"
      description="Task executions of your pipelines: what failed and why, what is slow or stuck, and how often tasks are retried."
    >
      <Filters
        key={params.toString()}
        filters={filters}
        eventNames={retries.data?.by_event_name.map((e) => e.event_name) ?? []}
      />
      <QueryState query={summary} what="the pipeline summary">
        {(s) =>
          s.runs === 0 ? (
            <NothingSent
              title="No task ran in this time range"
              send="task executions"
              endpoint="/api/v1/pipeline/events"
              sdk="pipeline telemetry"
            />
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
              <Panel
                title={`Runs and failures (${s.step_seconds} s steps)`}
                actions={
                  filters.event_name && (
                    <AlertOnThis
                      prefill={{
                        kind: "pipeline",
                        event_name: filters.event_name,
                        measure: "failure_rate",
                        op: "above",
                      }}
                      what={`${filters.event_name} failure rate`}
                    />
                  )
                }
              >
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
    </PipelinePage>
  );
}

function Filters({ filters, eventNames }: { filters: EventFilters; eventNames: string[] }) {
  const setParams = useSetParams();
  const apply = (form: FormData, threshold: string | null) => {
    const text = (name: string) => String(form.get(name) ?? "").trim() || null;
    setParams({ event_name: text("event_name"), error: text("error"), threshold });
  };
  return (
    <FilterBar label="Event filters" threshold={filters.threshold} onApply={apply}>
      <Field label="Event name">
        <NameSelect name="event_name" every="Every event" names={eventNames} chosen={filters.event_name} />
      </Field>
      <Field label="Error text" wide>
        <Input name="error" type="search" defaultValue={filters.error} placeholder="e.g. timeout" />
      </Field>
    </FilterBar>
  );
}

const EVENT_COLUMNS: Column[] = [
  { name: "Event" },
  { name: "Task" },
  { name: "Status / error" },
  { name: "Retries", numeric: true },
  { name: "Process", numeric: true },
  { name: "Started" },
  { name: "Duration", numeric: true },
];

function EventTable({ events, label }: { events: PipelineEvent[]; label: string }) {
  const [now] = useState(() => Date.now());
  const hydrated = useHydrated();
  return (
    <RecordTable label={label} columns={EVENT_COLUMNS}>
      {events.map((event) => {
        return (
          <tr key={event.task_id} data-task-id={event.task_id} className={rowClass}>
            <td className="py-1.5">{event.event_name}</td>
            <td className="max-w-48 truncate py-1.5 font-mono text-xs">
              <TaskLink taskId={event.task_id} />
            </td>
            <td className="max-w-md py-1.5 break-words">
              {event.error ? <span className="text-red-700 dark:text-red-400">{event.error}</span> : event.status}
              {event.stuck && (
                <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs font-medium text-amber-800 dark:bg-amber-950 dark:text-amber-300">
                  stuck
                </span>
              )}
            </td>
            <NumberCell>{event.retry_count}</NumberCell>
            <NumberCell>{event.process_id ?? "–"}</NumberCell>
            <TimeCell iso={event.start_time} />
            <NumberCell>
              {event.duration_ms === null
                ? hydrated
                  ? `running ${formatDuration(now - Date.parse(event.start_time))}`
                  : "running"
                : formatDuration(event.duration_ms)}
            </NumberCell>
          </tr>
        );
      })}
    </RecordTable>
  );
}

function FailedEvents({ filters }: { filters: EventFilters }) {
  const view = useView();
  return (
    <ApiListPanel
      title="Failed events"
      call={failedEventsRequest(view, filters)}
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
    <ApiListPanel
      title={`Slow events (over ${filters.threshold} s)`}
      call={slowEventsRequest(view, filters)}
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
    <ApiListPanel
      title="Pending tasks"
      call={pendingEventsRequest(view, filters)}
      what="pending tasks"
      items={(data) => data.events}
      empty="No task is pending"
    >
      {({ events }) => <EventTable events={events} label="Pending tasks" />}
    </ApiListPanel>
  );
}

const RETRY_COLUMNS: Column[] = [
  { name: "Event" },
  { name: "Runs", numeric: true },
  { name: "Failures", numeric: true },
  { name: "Retries", numeric: true },
  { name: "p50", numeric: true },
  { name: "p95", numeric: true },
];

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
          <RecordTable label="Retry statistics per event name" columns={RETRY_COLUMNS}>
            {stats.by_event_name.map((e) => (
              <tr key={e.event_name} data-event-name={e.event_name} className={rowClass}>
                <td className="py-1.5">{e.event_name}</td>
                <NumberCell>{formatCount(e.runs)}</NumberCell>
                <NumberCell bad={e.failures > 0}>{formatCount(e.failures)}</NumberCell>
                <NumberCell>{formatCount(e.retries)}</NumberCell>
                <NumberCell>{formatDuration(e.p50_ms)}</NumberCell>
                <NumberCell>{formatDuration(e.p95_ms)}</NumberCell>
              </tr>
            ))}
          </RecordTable>
        )}
      </Panel>
    </div>
  );
}
