"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { linkedTraceId } from "@/components/charts/prepare";
import { useEndpoint, useView } from "@/components/data/hooks";
import type { PipelineEvent } from "@/components/data/types";
import { readEventFilters, taskNetworkRequest, taskRequest } from "@/components/data/requests";
import { viewHref } from "@/components/data/view";
import { traceHref } from "@/components/ui/links";
import { AttributeTable } from "@/components/traces/attributes";
import { ApiListPanel } from "@/components/ui/api-panel";
import { formatDuration } from "@/components/ui/format";
import { Panel } from "@/components/ui/panel";
import { QueryState } from "@/components/ui/states";
import { useHydrated } from "@/components/ui/browser";
import { Time } from "@/components/ui/time";
import { OpsTable } from "./network-page";

export function TaskPage({ taskId }: { taskId: string }) {
  const view = useView();
  const task = useEndpoint(taskRequest(view, taskId, readEventFilters(useSearchParams())));
  return (
    <div className="mx-auto max-w-6xl space-y-4">
      <p className="text-sm text-zinc-500">
        <Link href={viewHref("/events", view)} className="hover:underline">
          Events
        </Link>{" "}
        / task
      </p>
      <QueryState query={task} what={`task ${taskId}`}>
        {(record) => <TaskRecord task={record} />}
      </QueryState>
    </div>
  );
}

function TaskRecord({ task }: { task: PipelineEvent }) {
  const view = useView();
  const [now] = useState(() => Date.now());
  const hydrated = useHydrated();
  const traceId = linkedTraceId(task.attributes);
  const traceLink = traceHref(traceId, view);
  // the badge says for how long, by the browser's clock
  const stuck = hydrated && task.stuck;
  const status =
    task.status === "failed"
      ? "text-red-600 dark:text-red-400"
      : task.status === "pending"
        ? "text-amber-600 dark:text-amber-400"
        : "text-emerald-600 dark:text-emerald-400";
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight">
        {task.event_name} <span className="font-mono text-base font-normal text-zinc-500">{task.task_id}</span>
      </h1>
      <Panel title="Record">
        <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-1.5 text-sm">
          <dt className="text-zinc-500">Status</dt>
          <dd className={`font-medium ${status}`}>
            {task.status}
            {stuck && (
              <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-800 dark:bg-amber-950 dark:text-amber-300">
                stuck: pending for {formatDuration(now - Date.parse(task.start_time))}
              </span>
            )}
          </dd>
          <dt className="text-zinc-500">Error</dt>
          <dd className="break-words">{task.error ?? "–"}</dd>
          <dt className="text-zinc-500">Retries</dt>
          <dd>{task.retry_count}</dd>
          <dt className="text-zinc-500">Process</dt>
          <dd>{task.process_id ?? "–"}</dd>
          <dt className="text-zinc-500">Started</dt>
          <dd>
            <Time iso={task.start_time} />
          </dd>
          <dt className="text-zinc-500">Ended</dt>
          <dd>{task.end_time ? <Time iso={task.end_time} /> : "not yet"}</dd>
          <dt className="text-zinc-500">Duration</dt>
          <dd>{formatDuration(task.duration_ms)}</dd>
          <dt className="text-zinc-500">Trace</dt>
          <dd className="flex flex-wrap gap-3">
            {traceId ? (
              <>
                {traceLink ? (
                  <Link className="font-mono text-sky-700 hover:underline dark:text-sky-400" href={traceLink}>
                    {traceId}
                  </Link>
                ) : (
                  <span className="font-mono">{traceId}</span>
                )}
                <Link
                  className="text-sky-700 hover:underline dark:text-sky-400"
                  href={viewHref("/logs", view, { trace_id: traceId })}
                >
                  its logs
                </Link>
              </>
            ) : (
              <span className="text-zinc-500">none named in the attributes</span>
            )}
            <Link
              className="text-sky-700 hover:underline dark:text-sky-400"
              href={viewHref("/traces", view, { attr: `task.id:${task.task_id}` })}
            >
              traces with task.id = {task.task_id}
            </Link>
          </dd>
        </dl>
      </Panel>
      <Panel title="Attributes">
        <AttributeTable attributes={task.attributes} label="Task attributes" />
      </Panel>
      <ApiListPanel
        title="Network operations"
        call={taskNetworkRequest(view, task.task_id, Date.parse(task.start_time))}
        what="the task's network operations"
        items={(data) => data.operations}
        empty="This task made no network operations"
      >
        {({ operations }) => <OpsTable operations={operations} label="Task network operations" />}
      </ApiListPanel>
    </>
  );
}
