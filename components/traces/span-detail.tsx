"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { useEndpoint, useView } from "@/components/data/hooks";
import { traceSpanRequest } from "@/components/data/requests";
import type { Span } from "@/components/data/types";
import { formatDuration } from "@/components/ui/format";
import { Button } from "@/components/ui/button";
import { serviceHref, traceHref } from "@/components/ui/links";
import { ErrorState, Loading } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { AttributeTable } from "./attributes";
import { serviceColor } from "./colors";
import type { SpanLine } from "./outline";

interface SpanEvent {
  name?: string;
  time?: string | null;
  time_unix_nano?: string;
  attributes?: Record<string, unknown>;
}

interface SpanLink {
  trace_id?: string;
  span_id?: string;
  trace_state?: string;
  attributes?: Record<string, unknown>;
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="border-t border-zinc-200 py-3 dark:border-zinc-800">
      <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-zinc-500">{title}</h3>
      {children}
    </section>
  );
}

/**
 * A span opened in the waterfall: what the waterfall knows of it at once, and the rest (attributes, events, links,
 * resource) as the API reads it for this one span.
 */
export function SpanDetail({
  traceId,
  line,
  startNanos,
  offsetMs,
  traceStartNanos,
  onClose,
}: {
  traceId: string;
  line: SpanLine;
  /** the span's start, ns since the epoch */
  startNanos: bigint;
  offsetMs: number;
  traceStartNanos: bigint;
  onClose: () => void;
}) {
  const view = useView();
  const whole = useEndpoint(traceSpanRequest(view, traceId, line.span_id), { staleTime: Infinity });
  // an id used twice names two spans: this one starts when the line does
  const spans = whole.data?.spans;
  const span = spans?.find((s) => BigInt(s.start_time_unix_nano) === startNanos) ?? spans?.[0];
  return (
    <aside
      aria-label="Span detail"
      className="flex h-full flex-col overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900"
    >
      <div className="flex items-start justify-between gap-2 border-b border-zinc-200 p-3 dark:border-zinc-800">
        <div className="min-w-0">
          <p className="flex items-center gap-1.5 text-xs text-zinc-500">
            <span
              className="inline-block h-2.5 w-2.5 rounded-sm"
              style={{ background: serviceColor(line.service_name) }}
            />
            {line.service_name} · {line.kind}
          </p>
          <h2 className="break-words font-semibold">{line.name}</h2>
          <ServiceChartsLink service={line.service_name} startNanos={startNanos} durationNs={line.duration_ns} />
        </div>
        <Button
          variant="ghost"
          onClick={onClose}
          aria-label="Close span detail"
          className="rounded px-2 text-lg leading-none text-zinc-500"
        >
          ×
        </Button>
      </div>
      <div className="flex-1 overflow-y-auto px-3">
        <dl className="grid grid-cols-[7rem_1fr] gap-x-2 gap-y-1 py-3 text-xs">
          <dt className="text-zinc-500">Duration</dt>
          <dd>{formatDuration(line.duration_ns / 1e6)}</dd>
          <dt className="text-zinc-500">Starts at</dt>
          <dd>
            +{formatDuration(offsetMs)} ·{" "}
            <Time iso={span?.start_time ?? new Date(Number(startNanos / 1_000_000n)).toISOString()} />
          </dd>
          <dt className="text-zinc-500">Status</dt>
          <dd className={line.status_code === "error" ? "font-medium text-red-600 dark:text-red-400" : ""}>
            {line.status_code}
            {line.status_message ? `: ${line.status_message}` : ""}
          </dd>
          <dt className="text-zinc-500">Span id</dt>
          <dd className="font-mono">{line.span_id}</dd>
          <dt className="text-zinc-500">Parent</dt>
          <dd className="font-mono">
            {line.parent_span_id ?? "none (root)"}
            {span?.missing_parent && (
              <span className="ml-1 font-sans text-amber-700 dark:text-amber-400">(never arrived)</span>
            )}
          </dd>
          {span && <SpanFacts span={span} />}
        </dl>
        {span ? (
          <SpanSections span={span} traceStartNanos={traceStartNanos} />
        ) : whole.error ? (
          <ErrorState what="the span's details" error={whole.error} onRetry={() => void whole.refetch()} />
        ) : (
          <Loading what="the span's details" />
        )}
      </div>
    </aside>
  );
}

function SpanFacts({ span }: { span: Span }) {
  return (
    <>
      {span.trace_state && (
        <>
          <dt className="text-zinc-500">Trace state</dt>
          <dd className="font-mono break-all">{span.trace_state}</dd>
        </>
      )}
      {span.scope && (
        <>
          <dt className="text-zinc-500">Scope</dt>
          <dd className="break-all">{[span.scope.name, span.scope.version].filter(Boolean).join(" ")}</dd>
        </>
      )}
      {span.dropped && Object.values(span.dropped).some((n) => n > 0) && (
        <>
          <dt className="text-zinc-500">Dropped</dt>
          <dd>
            {Object.entries(span.dropped)
              .filter(([, n]) => n > 0)
              .map(([what, n]) => `${n} ${what.replace(/_count$/, "").replace(/^dropped_/, "")}`)
              .join(", ")}
          </dd>
        </>
      )}
    </>
  );
}

function SpanSections({ span, traceStartNanos }: { span: Span; traceStartNanos: bigint }) {
  const view = useView();
  const events = span.events as SpanEvent[];
  const links = span.links as SpanLink[];
  return (
    <>
      <Section title="Attributes">
        <AttributeTable attributes={span.attributes} label="Span attributes" />
      </Section>
      <Section title={`Events (${events.length})`}>
        {events.length === 0 ? (
          <p className="text-xs text-zinc-500">None.</p>
        ) : (
          <ol className="space-y-2">
            {events.map((event, i) => (
              <li key={i} className="text-xs">
                <p
                  className={event.name === "exception" ? "font-medium text-red-600 dark:text-red-400" : "font-medium"}
                >
                  {event.name ?? "(unnamed)"}
                  {event.time_unix_nano && (
                    <span className="ml-2 font-normal text-zinc-500">
                      +{formatDuration(Number(BigInt(event.time_unix_nano) - traceStartNanos) / 1e6)}
                    </span>
                  )}
                </p>
                {event.attributes && Object.keys(event.attributes).length > 0 && (
                  <AttributeTable attributes={event.attributes} label={`Event ${event.name ?? i} attributes`} />
                )}
              </li>
            ))}
          </ol>
        )}
      </Section>
      <Section title={`Links (${links.length})`}>
        {links.length === 0 ? (
          <p className="text-xs text-zinc-500">None.</p>
        ) : (
          <ul className="space-y-1 text-xs">
            {links.map((link, i) => {
              const href = traceHref(link.trace_id, view, link.span_id);
              return (
                <li key={i}>
                  {href ? (
                    <Link className="font-mono text-sky-700 hover:underline dark:text-sky-400" href={href}>
                      {link.trace_id} / {link.span_id}
                    </Link>
                  ) : (
                    <span className="font-mono break-all">{JSON.stringify(link)}</span>
                  )}
                  {link.attributes && Object.keys(link.attributes).length > 0 && (
                    <AttributeTable attributes={link.attributes} label={`Link ${i} attributes`} />
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </Section>
      <Section title="Resource">
        <AttributeTable attributes={span.resource_attributes} label="Resource attributes" />
      </Section>
    </>
  );
}

/** The span's service's charts over the half hour around the span: how the service did then. */
function ServiceChartsLink({
  service,
  startNanos,
  durationNs,
}: {
  service: string;
  startNanos: bigint;
  durationNs: number;
}) {
  const view = useView();
  const startMs = Number(startNanos / 1_000_000n);
  const href = serviceHref(service, {
    ...view,
    from: String(startMs - 15 * 60_000),
    to: String(startMs + Math.ceil(durationNs / 1e6) + 15 * 60_000),
  });
  if (!href) return null;
  return (
    <Link href={href} className="text-xs text-sky-700 hover:underline dark:text-sky-400">
      {service}&rsquo;s charts at this time
    </Link>
  );
}
