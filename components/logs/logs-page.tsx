"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useEndpoint, useEndpointPages, useSetParams, useView } from "@/components/data/hooks";
import type { LogRecord } from "@/components/data/types";
import { logsRequest, readLogFilters, servicesRequest, type LogFilters } from "@/components/data/requests";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { traceHref } from "@/components/ui/links";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { AttributeTable, attributeText } from "@/components/traces/attributes";
import { severityClass } from "@/components/traces/trace-logs";

const SEVERITIES = ["trace", "debug", "info", "warn", "error", "fatal"];

export function LogsPage() {
  const view = useView();
  const params = useSearchParams();
  const filters = readLogFilters(params);
  const logs = useEndpointPages(logsRequest(view, filters));
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = logs;

  // endless scroll: the next page loads when the end of the list comes into view
  useEffect(() => {
    const element = sentinel.current;
    if (!element || !hasNextPage) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const lines = logs.data?.pages.flatMap((p) => p.logs) ?? [];
  return (
    <div className="mx-auto max-w-7xl space-y-4">
      <h1 className="text-2xl font-semibold tracking-tight">Logs</h1>
      <Filters key={params.toString()} filters={filters} />
      {logs.error && !logs.data ? (
        <ErrorState what="logs" error={logs.error} onRetry={() => void logs.refetch()} />
      ) : !logs.data ? (
        <Loading what="logs" />
      ) : lines.length === 0 ? (
        <EmptyState title="No log matches in this time range">Widen the time range or loosen the filters.</EmptyState>
      ) : (
        <>
          <ol
            aria-label="Log lines"
            className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white font-mono text-xs dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900"
          >
            {lines.map((log) => (
              <LogLine key={log.id} log={log} />
            ))}
          </ol>
          <div ref={sentinel} className="py-2 text-center text-xs text-zinc-500">
            {isFetchingNextPage
              ? "Loading older logs…"
              : hasNextPage
                ? ""
                : `${lines.length} log lines; the end of the range.`}
          </div>
          {logs.error && <ErrorState what="older logs" error={logs.error} onRetry={() => void fetchNextPage()} />}
        </>
      )}
    </div>
  );
}

function LogLine({ log }: { log: LogRecord }) {
  const [open, setOpen] = useState(false);
  return (
    <li data-log-id={log.id}>
      <Button
        variant="ghost"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        className="flex w-full gap-2 px-3 py-1 text-left"
      >
        <span className="shrink-0 text-zinc-500">
          <Time iso={log.time} />
        </span>
        <span className={`w-12 shrink-0 rounded px-1 text-center ${severityClass(log.severity_number)}`}>
          {log.severity_text ?? log.severity_number}
        </span>
        <span className="w-28 shrink-0 truncate text-zinc-500">{log.service_name}</span>
        <span className="min-w-0 flex-1 break-words whitespace-pre-wrap">{attributeText(log.body)}</span>
      </Button>
      {open && (
        <div className="space-y-2 bg-zinc-50 px-3 py-2 font-sans dark:bg-zinc-950/50">
          {log.trace_id && (
            <p className="text-xs">
              Trace <TraceLink traceId={log.trace_id} spanId={log.span_id} />
              {log.span_id && <span className="font-mono text-zinc-500"> / span {log.span_id}</span>}
            </p>
          )}
          <AttributeTable attributes={log.attributes} label="Log attributes" />
          <details className="text-xs">
            <summary className="cursor-pointer text-zinc-500">Resource</summary>
            <AttributeTable attributes={log.resource_attributes} label="Log resource attributes" />
          </details>
        </div>
      )}
    </li>
  );
}

function Filters({ filters }: { filters: LogFilters }) {
  const view = useView();
  const setParams = useSetParams();
  const services = useEndpoint(servicesRequest(view));
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim() || null;
    setParams({ q: text("q"), severity: text("severity"), service: text("service"), trace_id: text("trace_id") });
  };
  const names = services.data?.services.map((s) => s.name) ?? [];
  return (
    <form
      aria-label="Log filters"
      onSubmit={submit}
      className="flex flex-wrap items-end gap-3 rounded-lg border border-zinc-200 bg-white p-3 text-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      <label className="flex flex-1 flex-col gap-0.5">
        Text
        <Input name="q" type="search" defaultValue={filters.q} placeholder="words in the message" />
      </label>
      <label className="flex flex-col gap-0.5">
        Severity at least
        <Select name="severity" defaultValue={filters.severity ?? ""}>
          <option value="">Any</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </Select>
      </label>
      <label className="flex flex-col gap-0.5">
        Service
        <Select name="service" defaultValue={filters.service ?? ""}>
          <option value="">Any service</option>
          {filters.service && !names.includes(filters.service) && (
            <option value={filters.service}>{filters.service}</option>
          )}
          {names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </Select>
      </label>
      <label className="flex flex-col gap-0.5">
        Trace id
        <Input
          name="trace_id"
          defaultValue={filters.trace_id}
          pattern="[0-9a-fA-F]{32}"
          title="32 hex characters"
          className="w-72 font-mono"
        />
      </label>
      <Button type="submit">Search</Button>
    </form>
  );
}

/** A log's trace, linked when its id is a trace id (logs from any sender are shown, whatever they carry). */
function TraceLink({ traceId, spanId }: { traceId: string; spanId: string | null }) {
  const href = traceHref(traceId, useView(), spanId);
  if (!href) return <span className="font-mono">{traceId}</span>;
  return (
    <Link className="font-mono text-sky-700 hover:underline dark:text-sky-400" href={href}>
      {traceId}
    </Link>
  );
}
