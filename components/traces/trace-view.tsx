"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { memo, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { useSetParams, useTrace, useView } from "@/components/data/hooks";
import type { LoadedTrace } from "./outline";
import { viewHref } from "@/components/data/view";
import { CopyButton } from "@/components/ui/copy-button";
import { Button } from "@/components/ui/button";
import { formatDuration } from "@/components/ui/format";
import { Input } from "@/components/ui/input";
import { QueryState } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { serviceColor } from "./colors";
import { Minimap } from "./minimap";
import { buildTraceModel, criticalPath, rulerTicks, type Segment, type SpanProblem, type TraceModel } from "./model";
import { extendShown, snapshotDue } from "./loading";
import { SpanDetail } from "./span-detail";
import { TraceLogs } from "./trace-logs";
import {
  barLayout,
  clampWindow,
  collapseAll,
  expandAll,
  matchSummary,
  prepareSearch,
  revealSpan,
  rowOfSpan,
  rowsInWindow,
  searchSpans,
  spanInWindow,
  stepMatch,
  toggleCollapsed,
  visibleRows,
  waterfallHeight,
  zoomIn,
  zoomOut,
  type Collapsed,
  type TimeWindow,
} from "./view-state";

const ROW_HEIGHT = 24;
const NAME_WIDTH = 380;
const MAX_INDENT_LEVELS = 40;

/** What the waterfall shows of a loading trace, and how many of the loaded spans that is. */
interface Shown {
  trace: LoadedTrace;
  loaded: number;
  complete: boolean;
}

export function TraceView({ traceId }: { traceId: string }) {
  const view = useView();
  const loading = useTrace(view, traceId);
  const { trace, loaded, complete } = loading;
  // a long trace's pages come one after another: the waterfall takes them in as the part that hangs together grows
  // by half, and all of them at the end, so the model is built a few times rather than once per page
  const [shown, setShown] = useState<Shown | undefined>(undefined);
  if (
    trace &&
    (shown === undefined ||
      shown.trace.trace_id !== trace.trace_id ||
      snapshotDue(shown.loaded, loaded, complete) ||
      (complete && !shown.complete))
  ) {
    const previous = shown?.trace.trace_id === trace.trace_id ? shown.trace.spans : [];
    setShown({ trace: { ...trace, spans: extendShown(previous, trace.spans, complete) }, loaded, complete });
  }
  const query = { data: shown?.trace, error: loading.error, isPending: loading.isLoading, refetch: loading.refetch };
  return (
    <div
      className="mx-auto max-w-[1800px]"
      data-testid="trace-page"
      data-spans-loaded={loaded}
      data-spans-shown={shown?.trace.spans.length ?? 0}
      data-complete={complete}
    >
      <QueryState query={query} what={`trace ${traceId}`}>
        {(data) => (
          <>
            {!complete && trace && (
              <p role="status" className="mb-2 text-sm text-zinc-600 dark:text-zinc-300">
                Loading spans: {loaded.toLocaleString("en")} of {trace.span_count.toLocaleString("en")}
                {data.spans.length < loaded ? ` (${data.spans.length.toLocaleString("en")} shown)` : ""}
              </p>
            )}
            <TraceBody trace={data} complete={complete && data.spans.length === loaded} />
          </>
        )}
      </QueryState>
    </div>
  );
}

function TraceBody({ trace, complete }: { trace: LoadedTrace; complete: boolean }) {
  const view = useView();
  const params = useSearchParams();
  const setParams = useSetParams();
  const model = useMemo(() => buildTraceModel(trace.spans, BigInt(trace.start_time_unix_nano)), [trace]);
  const segments = useMemo(() => {
    const bySpan = new Map<number, Segment[]>();
    for (const segment of criticalPath(model)) {
      const list = bySpan.get(segment.index) ?? [];
      list.push(segment);
      bySpan.set(segment.index, list);
    }
    return bySpan;
  }, [model]);

  // the whole trace in: its search text is made while the page is idle, so the first search is quick
  useEffect(() => {
    if (!complete) return;
    let handle = 0;
    const step = (deadline: IdleDeadline) => {
      if (!prepareSearch(model, () => deadline.timeRemaining() > 2)) handle = requestIdleCallback(step);
    };
    handle = requestIdleCallback(step);
    return () => cancelIdleCallback(handle);
  }, [model, complete]);

  const [collapsed, setCollapsed] = useState<Collapsed>(expandAll);
  const [showCritical, setShowCritical] = useState(true);
  const [window, setWindow] = useState<TimeWindow | null>(null);
  const [search, setSearch] = useState("");
  const [current, setCurrent] = useState(-1);
  const deferredSearch = useDeferredValue(search);
  const matches = useMemo(() => searchSpans(model, deferredSearch), [model, deferredSearch]);
  const matched = useMemo(() => {
    const flags = new Uint8Array(model.nodes.length);
    for (const index of matches) flags[index] = 1;
    return flags;
  }, [model, matches]);

  const rows = useMemo(() => rowsInWindow(model, visibleRows(model, collapsed), window), [model, collapsed, window]);
  const shown = useMemo<TimeWindow>(() => window ?? [0, model.durationMs || 1], [window, model]);

  // the span opened, as the URL says; one opened here shows at once, before the URL (which the router updates in
  // a transition, after a render of the whole page) has caught up
  const urlSpan = params.get("span");
  const [chosen, setChosen] = useState<{ id: string | null; while: string | null } | null>(null);
  const selectedId = chosen !== null && chosen.while === urlSpan ? chosen.id : urlSpan;
  const selected = selectedId === null ? undefined : model.nodes[model.byId.get(selectedId) ?? -1];

  const scroller = useRef<HTMLDivElement>(null);
  // the virtualizer is a mutable instance by design; this component re-renders from its state
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
    // the server draws the first screen of rows, before the page has a size to measure
    initialRect: { width: 1000, height: 600 },
  });

  const toggle = useCallback((index: number) => setCollapsed((previous) => toggleCollapsed(previous, index)), []);
  const select = useCallback(
    (spanId: string | null) => {
      setChosen({ id: spanId, while: urlSpan });
      setParams({ span: spanId }, { replace: true, shallow: true });
    },
    [setParams, urlSpan],
  );

  /** Unfolds the span's ancestors, widens the zoom if the span lies outside it, and scrolls to its row. */
  const reveal = useCallback(
    (index: number, align: "center" | "auto") => {
      const node = model.nodes[index];
      if (!node) return;
      const nextCollapsed = revealSpan(model, collapsed, index);
      const nextWindow = spanInWindow(node, window) ? window : null;
      if (nextCollapsed !== collapsed) setCollapsed(nextCollapsed);
      if (nextWindow !== window) setWindow(nextWindow);
      const nextRows =
        nextCollapsed === collapsed && nextWindow === window
          ? rows
          : rowsInWindow(model, visibleRows(model, nextCollapsed), nextWindow);
      const row = rowOfSpan(model, nextRows, index);
      if (row < 0) return;
      // once the rows changed, let the virtualizer measure before scrolling; once it drew the row,
      // bring that into the window too when the waterfall reaches below it
      requestAnimationFrame(() => {
        virtualizer.scrollToIndex(row, { align });
        requestAnimationFrame(() =>
          scroller.current?.querySelector(`[data-row="${row}"]`)?.scrollIntoView({ block: "nearest" }),
        );
      });
    },
    [model, collapsed, window, rows, virtualizer],
  );

  // a span opened by a link (or the back button) is brought into view, once per change of the selection
  const revealed = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (selected?.index === revealed.current) return;
    revealed.current = selected?.index;
    if (selected) reveal(selected.index, "auto");
  }, [selected, reveal]);

  const jump = (step: 1 | -1) => {
    const next = stepMatch(matches.length, current, step);
    if (next < 0) return;
    const index = matches[next]!;
    setCurrent(next);
    revealed.current = index;
    reveal(index, "center");
    select(model.nodes[index]!.span.span_id);
  };

  const startMs = Date.parse(trace.start_time);

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="text-sm text-zinc-500">
            <Link href={viewHref("/traces", view)} className="hover:underline">
              Traces
            </Link>{" "}
            / trace
          </p>
          <h1 className="break-words text-xl font-semibold tracking-tight">
            {trace.root_name !== null ? (
              <>
                <span className="text-zinc-500">{trace.service_name}:</span> {trace.root_name}
              </>
            ) : (
              "Trace without a root span"
            )}
          </h1>
          <dl className="mt-1 flex flex-wrap gap-x-4 text-sm text-zinc-600 dark:text-zinc-300">
            <div className="flex gap-1">
              <dt>Duration</dt>
              <dd className="font-medium">{formatDuration(trace.duration_ms)}</dd>
            </div>
            <div className="flex gap-1">
              <dt>Spans</dt>
              <dd className="font-medium" data-testid="span-count">
                {trace.span_count}
              </dd>
            </div>
            <div className="flex gap-1">
              <dt>Errors</dt>
              <dd className={trace.error_count ? "font-medium text-red-600 dark:text-red-400" : "font-medium"}>
                {trace.error_count}
              </dd>
            </div>
            <div className="flex gap-1">
              <dt>Started</dt>
              <dd>
                <Time iso={trace.start_time} />
              </dd>
            </div>
            <div className="flex items-center gap-1">
              <dt>Trace id</dt>
              <dd className="font-mono">{trace.trace_id}</dd>
              <CopyButton text={trace.trace_id} />
            </div>
          </dl>
        </div>
        <ul aria-label="Services in this trace" className="flex flex-wrap gap-1 text-xs">
          {trace.services.map((service) => (
            <li
              key={service}
              className="flex items-center gap-1 rounded border border-zinc-200 px-1.5 py-0.5 dark:border-zinc-700"
            >
              <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: serviceColor(service) }} />
              {service}
            </li>
          ))}
        </ul>
      </div>

      <div className="flex flex-wrap items-center gap-2 text-sm">
        <Input
          type="search"
          aria-label="Search in this trace"
          placeholder="Find spans by name, service, attribute…"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setCurrent(-1);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              jump(e.shiftKey ? -1 : 1);
            }
          }}
          className="w-80"
        />
        {deferredSearch.trim() && (
          <span aria-live="polite" className="text-zinc-500" data-testid="search-matches">
            {matchSummary(matches.length, current)}
          </span>
        )}
        <Button variant="secondary" disabled={matches.length === 0} onClick={() => jump(-1)}>
          Previous
        </Button>
        <Button variant="secondary" disabled={matches.length === 0} onClick={() => jump(1)}>
          Next
        </Button>
        <span className="mx-2 h-4 w-px bg-zinc-300 dark:bg-zinc-700" />
        <Button variant="secondary" onClick={() => setCollapsed(expandAll())}>
          Expand all
        </Button>
        <Button variant="secondary" onClick={() => setCollapsed(collapseAll(model))}>
          Collapse all
        </Button>
        <label className="ml-2 flex items-center gap-1">
          <input type="checkbox" checked={showCritical} onChange={(e) => setShowCritical(e.target.checked)} />
          Critical path
        </label>
        <span className="mx-2 h-4 w-px bg-zinc-300 dark:bg-zinc-700" />
        <Button
          variant="secondary"
          aria-label="Zoom in"
          title="Zoom in"
          onClick={() => setWindow(zoomIn(model, window))}
        >
          +
        </Button>
        <Button
          variant="secondary"
          aria-label="Zoom out"
          title="Zoom out"
          disabled={!window}
          onClick={() => setWindow(zoomOut(model, window))}
        >
          −
        </Button>
        {window && (
          <Button variant="secondary" onClick={() => setWindow(null)} className="text-sky-700 dark:text-sky-400">
            Reset zoom ({formatDuration(window[0])} – {formatDuration(window[1])})
          </Button>
        )}
      </div>

      <div className={`grid gap-3 ${selected ? "lg:grid-cols-[1fr_420px]" : ""}`}>
        <section
          aria-label="Waterfall"
          className="min-w-0 rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900"
        >
          <div className="flex border-b border-zinc-200 dark:border-zinc-800">
            <div
              className="shrink-0 px-2 py-1 text-xs text-zinc-500"
              style={{ width: NAME_WIDTH }}
              data-testid="rows-shown"
            >
              {rows.length === model.nodes.length
                ? `${rows.length} ${rows.length === 1 ? "span" : "spans"}`
                : `${rows.length} of ${model.nodes.length} spans shown`}
            </div>
            <div className="relative min-w-0 flex-1 px-2 py-1">
              <Minimap model={model} window={shown} onWindow={(next) => setWindow(clampWindow(model, next))} />
            </div>
          </div>
          <Ruler window={shown} />
          <div
            ref={scroller}
            className="relative overflow-auto"
            style={{ height: waterfallHeight(rows.length, ROW_HEIGHT) }}
            data-testid="waterfall-scroller"
          >
            <div role="tree" aria-label="Spans" style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
              {virtualizer.getVirtualItems().map((item) => {
                const index = rows[item.index]!;
                return (
                  <SpanRow
                    key={index}
                    model={model}
                    index={index}
                    row={item.index}
                    top={item.start}
                    window={shown}
                    collapsed={collapsed.has(index)}
                    selected={selected?.index === index}
                    matched={matched[index] === 1}
                    segments={showCritical ? segments.get(index) : undefined}
                    onToggle={toggle}
                    onSelect={select}
                  />
                );
              })}
            </div>
          </div>
        </section>
        {selected && (
          <div className="lg:sticky lg:top-16 lg:h-[calc(100vh-5rem)]">
            <SpanDetail
              traceId={trace.trace_id}
              line={selected.span}
              startNanos={BigInt(trace.start_time_unix_nano) + BigInt(selected.span.start_ns)}
              offsetMs={selected.start}
              traceStartNanos={model.startNanos}
              onClose={() => select(null)}
            />
          </div>
        )}
      </div>
      {model.nodes.length === 0 ? null : (
        <TraceLogs
          traceId={trace.trace_id}
          startMs={startMs}
          endMs={startMs + trace.duration_ms}
          onSpan={(spanId) => {
            const index = model.byId.get(spanId);
            if (index !== undefined) {
              revealed.current = index;
              reveal(index, "center");
              select(spanId);
            }
          }}
        />
      )}
    </div>
  );
}

function Ruler({ window: [from, to] }: { window: TimeWindow }) {
  const ticks = rulerTicks(from, to, 8);
  return (
    <div className="flex border-b border-zinc-200 text-[10px] text-zinc-500 dark:border-zinc-800" aria-hidden>
      <div className="shrink-0" style={{ width: NAME_WIDTH }} />
      <div className="relative h-5 min-w-0 flex-1">
        {ticks.map((t) => (
          <span
            key={t}
            className={`absolute top-0 h-full whitespace-nowrap border-zinc-300 px-1 dark:border-zinc-700 ${(t - from) / (to - from) > 0.9 ? "-translate-x-full border-r" : "border-l"}`}
            style={{ left: `${((t - from) / (to - from)) * 100}%` }}
          >
            {formatDuration(t)}
          </span>
        ))}
      </div>
    </div>
  );
}

/** Element Timing (https://w3c.github.io/element-timing/): when a row's name is first painted, for the benchmark. */
const ROW_TIMING = { elementtiming: "span-row" } as Record<string, string>;

const PROBLEMS: Record<SpanProblem, { badge: string; explanation: string }> = {
  "missing-parent": { badge: "no parent", explanation: "its parent span is not in this trace" },
  "parent-cycle": { badge: "loop", explanation: "its parent chain loops back to it; shown at the top level" },
  "duplicate-id": { badge: "dup id", explanation: "another span in this trace has the same span id" },
};

interface RowProps {
  model: TraceModel;
  index: number;
  /** the row's place among the rows shown */
  row: number;
  top: number;
  window: TimeWindow;
  collapsed: boolean;
  selected: boolean;
  matched: boolean;
  segments: Segment[] | undefined;
  onToggle: (index: number) => void;
  onSelect: (spanId: string) => void;
}

const SpanRow = memo(function SpanRow({
  model,
  index,
  row,
  top,
  window,
  collapsed,
  selected,
  matched,
  segments,
  onToggle,
  onSelect,
}: RowProps) {
  const node = model.nodes[index]!;
  const span = node.span;
  const [from, to] = window;
  const width = to - from;
  const bar = barLayout(node, window);
  const color = serviceColor(span.service_name);
  const indent = Math.min(node.depth, MAX_INDENT_LEVELS) * 12;
  const hasChildren = node.children.length > 0;
  const background = selected
    ? "bg-sky-100 dark:bg-sky-950"
    : matched
      ? "bg-yellow-100 dark:bg-yellow-900/40"
      : "hover:bg-zinc-50 dark:hover:bg-zinc-800/60";
  return (
    <div
      role="treeitem"
      aria-level={node.depth + 1}
      aria-expanded={hasChildren ? !collapsed : undefined}
      aria-selected={selected}
      data-span-id={span.span_id}
      data-row={row}
      className={`absolute left-0 flex w-full cursor-pointer items-center border-b border-zinc-50 text-xs dark:border-zinc-800/50 ${background}`}
      style={{ top, height: ROW_HEIGHT }}
      onClick={() => onSelect(span.span_id)}
    >
      <div
        className="flex shrink-0 items-center gap-1 overflow-hidden pr-2"
        style={{ width: NAME_WIDTH, paddingLeft: 4 + indent }}
      >
        {hasChildren ? (
          <Button
            variant="ghost"
            aria-label={collapsed ? `Expand ${span.name}` : `Collapse ${span.name}`}
            className="w-4 shrink-0 text-zinc-500"
            onClick={(e) => {
              e.stopPropagation();
              onToggle(index);
            }}
          >
            {collapsed ? "▸" : "▾"}
          </Button>
        ) : (
          <span className="w-4 shrink-0" />
        )}
        <span className="h-3 w-1 shrink-0 rounded-sm" style={{ background: color }} />
        {node.failed && (
          <span
            title="error"
            aria-label="error"
            className="shrink-0 rounded-full bg-red-600 px-1 text-[9px] font-bold leading-3 text-white"
          >
            !
          </span>
        )}
        <span className="truncate" title={`${span.service_name}: ${span.name}`} {...ROW_TIMING}>
          <span className="text-zinc-500">{span.service_name}</span> {span.name}
        </span>
        {node.problems.map((problem) => (
          <span
            key={problem}
            title={`This span is shown although ${PROBLEMS[problem].explanation}.`}
            data-problem={problem}
            className="shrink-0 rounded bg-amber-100 px-1 text-[10px] text-amber-800 dark:bg-amber-900/50 dark:text-amber-300"
          >
            {PROBLEMS[problem].badge}
          </span>
        ))}
        {node.depth > MAX_INDENT_LEVELS && <span className="shrink-0 text-[10px] text-zinc-400">L{node.depth}</span>}
        {collapsed && <span className="shrink-0 text-[10px] text-zinc-400">+{node.children.length}</span>}
      </div>
      <div className="relative h-full min-w-0 flex-1 overflow-hidden">
        <div
          data-testid="span-bar"
          className={`absolute top-1.5 h-3 rounded-sm ${node.failed ? "ring-2 ring-red-500" : ""}`}
          style={{
            left: `${bar.left}%`,
            width: `max(${bar.width}%, 2px)`,
            background: color,
            opacity: segments ? 0.45 : 0.85,
          }}
        />
        {segments?.map((s) => (
          <div
            key={s.start}
            data-critical
            className="absolute top-1.5 h-3"
            style={{
              left: `${((s.start - from) / width) * 100}%`,
              width: `max(${((s.end - s.start) / width) * 100}%, 1px)`,
              background: color,
            }}
          />
        ))}
        <span
          data-testid="span-duration"
          className={`absolute top-0.5 whitespace-nowrap text-[10px] ${
            bar.label.side === "inside"
              ? "rounded bg-white/80 px-1 text-zinc-800 dark:bg-zinc-900/80 dark:text-zinc-100"
              : "text-zinc-600 dark:text-zinc-300"
          }`}
          style={
            bar.label.side === "after"
              ? { left: `calc(${bar.label.at}% + 4px)` }
              : { right: `calc(${100 - bar.label.at}% + 4px)` }
          }
        >
          {formatDuration(span.duration_ns / 1e6)}
        </span>
      </div>
    </div>
  );
});
