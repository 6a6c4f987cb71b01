"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { DurationScatter } from "@/components/charts/chart";
import { traceDots } from "@/components/charts/prepare";
import { useEndpoint, useSetParams, useView } from "@/components/data/hooks";
import type { TraceSummary } from "@/components/data/types";
import { viewHref } from "@/components/data/view";
import {
  operationsRequest,
  readTraceFilters,
  readTraceSort,
  servicesRequest,
  traceDurationsRequest,
  traceSearchRequest,
  type TraceFilters,
} from "@/components/data/requests";
import { OpenTrace } from "@/components/layout/open-trace";
import { formatCount, formatDuration } from "@/components/ui/format";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { traceHref } from "@/components/ui/links";
import { EmptyState, QueryState } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { serviceColor } from "./colors";

export function TraceSearchPage() {
  const view = useView();
  const params = useSearchParams();
  const filters = readTraceFilters(params);
  const cursor = params.get("cursor") ?? undefined;
  const sort = readTraceSort(params);
  const results = useEndpoint(traceSearchRequest(view, filters, cursor, sort));
  const durations = useEndpoint(traceDurationsRequest(view, filters));
  const setParams = useSetParams();
  // two traces ticked for comparison, the latest last
  const [picked, setPicked] = useState<string[]>([]);
  const pick = (traceId: string, on: boolean) =>
    setPicked((list) =>
      on ? [...list.filter((id) => id !== traceId), traceId].slice(-2) : list.filter((id) => id !== traceId),
    );

  return (
    <div className="mx-auto max-w-7xl space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold tracking-tight">Traces</h1>
        <OpenTrace />
      </div>
      <Filters key={params.toString()} filters={filters} />
      <QueryState query={results} what="traces">
        {(data) =>
          data.traces.length === 0 ? (
            <EmptyState title={cursor ? "No more traces" : "No trace matches these filters in this time range"}>
              {cursor ? "This was the last page." : "Widen the time range or remove a filter."}
            </EmptyState>
          ) : (
            <>
              <Durations query={durations} />
              <div className="flex flex-wrap items-center justify-end gap-3 text-sm">
                {picked.length === 2 ? (
                  <Link
                    href={viewHref("/traces/compare", view, { a: picked[0], b: picked[1] })}
                    className="rounded-md bg-sky-600 px-2.5 py-1 font-medium text-white hover:bg-sky-700"
                  >
                    Compare the two ticked traces
                  </Link>
                ) : (
                  <span className="text-xs text-zinc-500">Tick two traces to compare them</span>
                )}
                <label className="flex items-center gap-1.5">
                  Sort
                  <Select
                    name="sort"
                    value={sort}
                    onChange={(e) => setParams({ sort: e.target.value === "slowest" ? "slowest" : null, cursor: null })}
                  >
                    <option value="newest">Newest first</option>
                    <option value="slowest">Slowest first</option>
                  </Select>
                </label>
              </div>
              <TraceList traces={data.traces} picked={picked} onPick={pick} />
              <nav aria-label="Pages" className="flex justify-between text-sm">
                {cursor ? (
                  <Button variant="secondary" onClick={() => setParams({ cursor: null })}>
                    ← Newest
                  </Button>
                ) : (
                  <span />
                )}
                {data.next_cursor && (
                  <Button variant="secondary" onClick={() => setParams({ cursor: data.next_cursor })}>
                    Older traces →
                  </Button>
                )}
              </nav>
            </>
          )
        }
      </QueryState>
    </div>
  );
}

/** Every matching trace of the range by its start and duration (past a thousand, the slowest of each slice). */
function Durations({ query }: { query: ReturnType<typeof useEndpoint<"traceDurations">> }) {
  const view = useView();
  const router = useRouter();
  return (
    <section
      aria-label="Durations"
      className="rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900"
    >
      <QueryState query={query} what="the range's trace durations">
        {(data) => (
          <>
            <DurationScatter
              {...traceDots(data.points)}
              onOpen={(traceId) => {
                const href = traceHref(traceId, view);
                if (href) router.push(href);
              }}
            />
            <p className="mt-1 text-xs text-zinc-500">
              {data.complete
                ? `All ${formatCount(data.total)} matching traces of the time range`
                : `The slowest ${formatCount(data.points.length)} of ${formatCount(data.total)} matching traces, spread over the time range`}
            </p>
          </>
        )}
      </QueryState>
    </section>
  );
}

function Filters({ filters }: { filters: TraceFilters }) {
  const view = useView();
  const setParams = useSetParams();
  const [service, setService] = useState(filters.service[0] ?? "");
  // services besides the first (a link from a call on the service map names both sides)
  const [alsoServices, setAlsoServices] = useState(filters.service.slice(1));
  const [attributes, setAttributes] = useState<string[]>(filters.attr);
  const [attribute, setAttribute] = useState("");
  const services = useEndpoint(servicesRequest(view));
  const operations = useEndpoint(service ? operationsRequest(view, service) : null);
  const serviceNames = services.data?.services.map((s) => s.name) ?? [];

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim() || null;
    const pending = attribute.trim();
    setParams({
      service: [text("service"), ...alsoServices].filter((s): s is string => s !== null),
      operation: text("operation"),
      status: text("status"),
      min_duration_ms: text("min_duration_ms"),
      max_duration_ms: text("max_duration_ms"),
      attr: pending.includes(":") ? [...attributes, pending] : attributes,
      cursor: null,
    });
  };

  return (
    <form
      aria-label="Trace filters"
      onSubmit={submit}
      className="flex flex-wrap items-end gap-3 rounded-lg border border-zinc-200 bg-white p-3 text-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      <label className="flex flex-col gap-0.5">
        Service
        <Select name="service" value={service} onChange={(e) => setService(e.target.value)}>
          <option value="">Any service</option>
          {service && !serviceNames.includes(service) && <option value={service}>{service}</option>}
          {serviceNames.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </Select>
      </label>
      <label className="flex flex-col gap-0.5">
        Operation
        <Select name="operation" defaultValue={filters.operation ?? ""} disabled={!service && !filters.operation}>
          <option value="">Any operation</option>
          {filters.operation && !operations.data?.operations.some((o) => o.name === filters.operation) && (
            <option value={filters.operation}>{filters.operation}</option>
          )}
          {operations.data?.operations.map((op) => (
            <option key={op.name} value={op.name}>
              {op.name}
            </option>
          ))}
        </Select>
      </label>
      <label className="flex flex-col gap-0.5">
        Status
        <Select name="status" defaultValue={filters.status ?? ""}>
          <option value="">Any</option>
          <option value="error">With errors</option>
          <option value="ok">Without errors</option>
        </Select>
      </label>
      <label className="flex flex-col gap-0.5">
        Min duration (ms)
        <Input
          name="min_duration_ms"
          type="number"
          min={0}
          step="any"
          defaultValue={filters.min_duration_ms}
          className="w-28"
        />
      </label>
      <label className="flex flex-col gap-0.5">
        Max duration (ms)
        <Input
          name="max_duration_ms"
          type="number"
          min={0}
          step="any"
          defaultValue={filters.max_duration_ms}
          className="w-28"
        />
      </label>
      <div className="flex flex-col gap-0.5">
        <label htmlFor="attribute-filter">Attribute (key:value)</label>
        <div className="flex gap-1">
          <Input
            id="attribute-filter"
            value={attribute}
            onChange={(e) => setAttribute(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && attribute.includes(":")) {
                e.preventDefault();
                setAttributes([...attributes, attribute.trim()]);
                setAttribute("");
              }
            }}
            placeholder="http.route:/cart"
            className="w-48"
          />
        </div>
      </div>
      <Button type="submit">Search</Button>
      <FilterChips label="Attribute filters" items={attributes} onChange={setAttributes} />
      <FilterChips
        label="Also with service"
        items={alsoServices}
        onChange={setAlsoServices}
        describe={(name) => `and ${name}`}
      />
    </form>
  );
}

function TraceList({
  traces,
  picked,
  onPick,
}: {
  traces: TraceSummary[];
  picked: readonly string[];
  onPick: (traceId: string, on: boolean) => void;
}) {
  const view = useView();
  const longest = Math.max(...traces.map((t) => t.duration_ms), 1e-9);
  return (
    <ol
      aria-label="Trace results"
      className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900"
    >
      {traces.map((trace) => {
        const href = traceHref(trace.trace_id, view);
        const rowClass = "block px-3 py-2";
        const content = (
          <>
            <div className="flex items-baseline justify-between gap-4">
              <p className="truncate font-medium">
                <span className="text-zinc-500">{trace.root_service ?? "?"}:</span>{" "}
                {trace.root_name ?? "(root span missing)"}
              </p>
              <p className="shrink-0 text-sm tabular-nums">{formatDuration(trace.duration_ms)}</p>
            </div>
            <div className="mt-1 h-1.5 rounded bg-zinc-100 dark:bg-zinc-800">
              <div
                className={`h-1.5 rounded ${trace.error_count ? "bg-red-500" : "bg-sky-500"}`}
                style={{ width: `${Math.max((trace.duration_ms / longest) * 100, 0.5)}%` }}
              />
            </div>
            <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-zinc-500">
              <span>
                <Time iso={trace.start_time} />
              </span>
              <span>{trace.span_count === 1 ? "1 span" : `${trace.span_count} spans`}</span>
              {trace.error_count > 0 && (
                <span className="font-medium text-red-600 dark:text-red-400">
                  {trace.error_count === 1 ? "1 error" : `${trace.error_count} errors`}
                </span>
              )}
              {trace.services.map((service) => (
                <span
                  key={service}
                  className="rounded px-1.5 py-0.5 text-[11px] text-white"
                  style={{ background: serviceColor(service) }}
                >
                  {service}
                </span>
              ))}
              <span className="font-mono">{trace.trace_id.slice(0, 12)}…</span>
            </div>
          </>
        );
        return (
          <li key={trace.trace_id} data-trace-id={trace.trace_id} className="flex items-stretch">
            <label className="flex items-center pl-3" title="Tick two traces to compare them">
              <input
                type="checkbox"
                aria-label={`Compare ${trace.trace_id}`}
                checked={picked.includes(trace.trace_id)}
                onChange={(e) => onPick(trace.trace_id, e.target.checked)}
              />
            </label>
            {href ? (
              <Link href={href} className={`${rowClass} min-w-0 flex-1 hover:bg-zinc-50 dark:hover:bg-zinc-800/60`}>
                {content}
              </Link>
            ) : (
              <div className={`${rowClass} min-w-0 flex-1`}>{content}</div>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** Filters besides the form's fields, each with a button that removes it (applied with the next search). */
function FilterChips({
  label,
  items,
  onChange,
  describe = (item) => item,
}: {
  label: string;
  items: string[];
  onChange: (items: string[]) => void;
  describe?: (item: string) => string;
}) {
  if (items.length === 0) return null;
  return (
    <ul aria-label={label} className="flex w-full flex-wrap gap-1">
      {items.map((item, index) => (
        <li
          key={`${item}-${index}`}
          className="flex items-center gap-1 rounded-full bg-zinc-100 px-2 py-0.5 text-xs dark:bg-zinc-800"
        >
          {describe(item)}
          <Button
            variant="ghost"
            aria-label={`Remove ${item}`}
            onClick={() => onChange(items.filter((_, i) => i !== index))}
            className="text-zinc-500 hover:text-zinc-900"
          >
            ×
          </Button>
        </li>
      ))}
    </ul>
  );
}
