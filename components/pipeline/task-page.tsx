"use client";

import { Time, useHydrated } from "@/components/ui/time";
import Link from "next/link";
import { useState } from "react";
import { linkedTraceId, isStuck } from "@/components/charts/prepare";
import { useApi, useView } from "@/components/data/hooks";
import type { NetworkOps, PipelineEvent } from "@/components/data/types";
import { readEventFilters, taskNetworkUrl, taskUrl } from "@/components/data/urls";
import { viewHref } from "@/components/data/view";
import {formatBytes, formatDuration} from "@/components/ui/format";
import { headClass, Panel, rowClass, tableClass } from "@/components/ui/panel";
import { EmptyState, QueryState } from "@/components/ui/states";
import { AttributeTable } from "@/components/traces/attributes";
import { useSearchParams } from "next/navigation";

export function TaskPage({ taskId }: { taskId: string }) {
  const view = useView();
  const task = useApi<PipelineEvent>(taskUrl(view, taskId));
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
  const threshold = Number(readEventFilters(useSearchParams()).threshold);
  const [now] = useState(() => Date.now());
  const hydrated = useHydrated();
  const traceId = linkedTraceId(task.attributes);
  const stuck = hydrated && isStuck(task, threshold, now);
  const network = useApi<NetworkOps>(taskNetworkUrl(view, task.task_id, Date.parse(task.start_time)));
  const status = task.status === "failed" ? "text-red-600 dark:text-red-400" : task.status === "pending" ? "text-amber-600 dark:text-amber-400" : "text-emerald-600 dark:text-emerald-400";
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
            {stuck && <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-800 dark:bg-amber-950 dark:text-amber-300">stuck: pending for {formatDuration(now - Date.parse(task.start_time))}</span>}
          </dd>
          <dt className="text-zinc-500">Error</dt>
          <dd className="break-words">{task.error ?? "–"}</dd>
          <dt className="text-zinc-500">Retries</dt>
          <dd>{task.retry_count}</dd>
          <dt className="text-zinc-500">Process</dt>
          <dd>{task.process_id ?? "–"}</dd>
          <dt className="text-zinc-500">Started</dt>
          <dd><Time iso={task.start_time} /></dd>
          <dt className="text-zinc-500">Ended</dt>
          <dd>{task.end_time ? <Time iso={task.end_time} /> : "not yet"}</dd>
          <dt className="text-zinc-500">Duration</dt>
          <dd>{formatDuration(task.duration_ms)}</dd>
          <dt className="text-zinc-500">Trace</dt>
          <dd className="flex flex-wrap gap-3">
            {traceId ? (
              <>
                <Link className="font-mono text-sky-700 hover:underline dark:text-sky-400" href={viewHref(`/traces/${traceId}`, view)}>
                  {traceId}
                </Link>
                <Link className="text-sky-700 hover:underline dark:text-sky-400" href={viewHref("/logs", view, { trace_id: traceId })}>
                  its logs
                </Link>
              </>
            ) : (
              <span className="text-zinc-500">none named in the attributes</span>
            )}
            <Link className="text-sky-700 hover:underline dark:text-sky-400" href={viewHref("/traces", view, { attr: `task.id:${task.task_id}` })}>
              traces with task.id = {task.task_id}
            </Link>
          </dd>
        </dl>
      </Panel>
      <Panel title="Attributes">
        <AttributeTable attributes={task.attributes} label="Task attributes" />
      </Panel>
      <Panel title="Network operations">
        <QueryState query={network} what="the task's network operations">
          {({ operations }) =>
            operations.length === 0 ? (
              <EmptyState title="This task made no network operations" />
            ) : (
              <table aria-label="Task network operations" className={tableClass}>
                <thead className={headClass}>
                  <tr>
                    <th className="py-1 font-medium">Host</th>
                    <th className="py-1 font-medium">Operation</th>
                    <th className="py-1 font-medium">Started</th>
                    <th className="py-1 text-right font-medium">Latency</th>
                    <th className="py-1 text-right font-medium">Sent</th>
                    <th className="py-1 text-right font-medium">Received</th>
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
                      <td className="py-1.5 text-zinc-500"><Time iso={op.start_time} /></td>
                      <td className="py-1.5 text-right tabular-nums">{formatDuration(op.latency_ms)}</td>
                      <td className="py-1.5 text-right tabular-nums">{formatBytes(op.bytes_sent)}</td>
                      <td className="py-1.5 text-right tabular-nums">{formatBytes(op.bytes_received)}</td>
                      <td className="py-1.5 text-red-700 dark:text-red-400">{op.error ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryState>
      </Panel>
    </>
  );
}
