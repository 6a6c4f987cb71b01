"use client";

import { useEndpoint, useView } from "@/components/data/hooks";
import { traceLogsRequest } from "@/components/data/requests";

import { Button } from "@/components/ui/button";
import { EmptyState, QueryState } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { attributeText } from "./attributes";

export function severityClass(severityNumber: number): string {
  if (severityNumber >= 17) return "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300";
  if (severityNumber >= 13) return "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300";
  if (severityNumber >= 9) return "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300";
  return "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300";
}

/** Logs that carry this trace's id; a log of a span selects that span. */
export function TraceLogs({
  traceId,
  startMs,
  endMs,
  onSpan,
}: {
  traceId: string;
  startMs: number;
  endMs: number;
  onSpan: (spanId: string) => void;
}) {
  const view = useView();
  const logs = useEndpoint(traceLogsRequest(view, traceId, startMs, endMs));
  return (
    <section
      aria-label="Logs of this trace"
      className="rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900"
    >
      <h2 className="mb-2 text-sm font-medium">Logs of this trace</h2>
      <QueryState query={logs} what="the trace's logs">
        {({ logs: list, next_cursor }) =>
          list.length === 0 ? (
            <EmptyState title="No log carries this trace's id" />
          ) : (
            <ol className="divide-y divide-zinc-100 font-mono text-xs dark:divide-zinc-800">
              {[...list].reverse().map((log) => (
                <li key={log.id} className="flex gap-2 py-1">
                  <span className="shrink-0 text-zinc-500">
                    <Time iso={log.time} />
                  </span>
                  <span className={`shrink-0 rounded px-1 ${severityClass(log.severity_number)}`}>
                    {log.severity_text ?? log.severity_number}
                  </span>
                  <span className="shrink-0 text-zinc-500">{log.service_name}</span>
                  <span className="min-w-0 flex-1 break-words whitespace-pre-wrap">{attributeText(log.body)}</span>
                  {log.span_id && (
                    <Button variant="link" className="shrink-0" onClick={() => onSpan(log.span_id!)}>
                      span
                    </Button>
                  )}
                </li>
              ))}
              {next_cursor && <li className="py-1 text-zinc-500">Only the newest {list.length} logs are shown.</li>}
            </ol>
          )
        }
      </QueryState>
    </section>
  );
}
