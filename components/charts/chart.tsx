"use client";

import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Line,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  ZAxis,
  type MouseHandlerDataParam,
} from "recharts";
import { Button } from "@/components/ui/button";
import { formatDuration, formatSecond } from "@/components/ui/format";
import { timeTickFormat } from "./prepare";

// The one place recharts is configured: axes, grid, tooltip and colours look alike on every page.

// recharts types dataKey as TypedDataKey<Row>, which a generic `keyof Row` does not satisfy: the charts hand
// it the key as a plain string
export interface SeriesSpec<Row> {
  key: keyof Row & string;
  label: string;
  color: string;
}

export const COLORS = {
  blue: "#0284c7",
  red: "#dc2626",
  amber: "#d97706",
  violet: "#7c3aed",
  green: "#16a34a",
  slate: "#64748b",
};

/** A chart's click handler that hands `onPick` the row under the pointer (a time bucket). */
function picker<Row>(rows: readonly Row[], onPick: ((row: Row) => void) | undefined) {
  if (!onPick) return undefined;
  return (state: MouseHandlerDataParam) => {
    const row = rows[Number(state.activeIndex)];
    if (row) onPick(row);
  };
}

/** One measurement drawn over a time chart's series. */
export interface ChartMark {
  time: number;
  value: number;
  onOpen: () => void;
}

export function TimeChart<Row extends { time: number }>({
  rows,
  series,
  format,
  kind = "line",
  height = 200,
  label,
  legend = true,
  onPick,
  marks = [],
}: {
  rows: Row[];
  series: SeriesSpec<Row>[];
  format: (value: number) => string;
  kind?: "line" | "area" | "bar";
  height?: number;
  label: string;
  /** false where the page draws its own (the explorer's, which switches series on and off) */
  legend?: boolean;
  /** a click on the chart picks the row (time bucket) under the pointer */
  onPick?: (row: Row) => void;
  /** single measurements drawn over the series (exemplars): each opens what it names when clicked */
  marks?: ChartMark[];
}) {
  const first = rows[0]?.time ?? 0;
  const last = rows[rows.length - 1]?.time ?? 0;
  const tick = timeTickFormat(last - first);
  return (
    <figure aria-label={label} className="w-full" data-pickable={onPick ? "" : undefined}>
      <div style={{ height }} className={onPick ? "cursor-pointer" : undefined}>
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} onClick={picker(rows, onPick)}>
            <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.12} />
            <XAxis
              dataKey="time"
              type="number"
              scale="time"
              domain={["dataMin", "dataMax"]}
              tickFormatter={tick}
              tick={{ fontSize: 11, fill: "currentColor" }}
              stroke="currentColor"
              strokeOpacity={0.3}
              minTickGap={40}
            />
            <YAxis
              tickFormatter={format}
              tick={{ fontSize: 11, fill: "currentColor" }}
              stroke="currentColor"
              strokeOpacity={0.3}
              width={64}
            />
            <Tooltip
              labelFormatter={(time) => formatSecond(Number(time))}
              formatter={(value) => (typeof value === "number" ? format(value) : "–")}
              contentStyle={{
                fontSize: 12,
                background: "var(--tooltip-bg)",
                border: "1px solid var(--tooltip-border)",
                color: "inherit",
              }}
            />
            {series.map((s) =>
              kind === "bar" ? (
                <Bar key={s.key} dataKey={String(s.key)} name={s.label} fill={s.color} isAnimationActive={false} />
              ) : kind === "area" ? (
                <Area
                  key={s.key}
                  dataKey={String(s.key)}
                  name={s.label}
                  type="monotone"
                  stroke={s.color}
                  fill={s.color}
                  fillOpacity={0.15}
                  isAnimationActive={false}
                  connectNulls={false}
                />
              ) : (
                <Line
                  key={s.key}
                  dataKey={String(s.key)}
                  name={s.label}
                  type="monotone"
                  stroke={s.color}
                  dot={false}
                  strokeWidth={1.5}
                  isAnimationActive={false}
                  connectNulls={false}
                />
              ),
            )}
            {marks.length > 0 && (
              <Scatter
                name="exemplars"
                data={marks}
                dataKey="value"
                fill="#111827"
                stroke="#f59e0b"
                strokeWidth={1.5}
                shape="diamond"
                isAnimationActive={false}
                className="cursor-pointer"
                onClick={(point: unknown, _index: unknown, event?: { stopPropagation?: () => void }) => {
                  // the mark's own target, not the chart's bucket under it
                  event?.stopPropagation?.();
                  (point as { payload?: ChartMark }).payload?.onOpen();
                }}
              />
            )}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      {legend && (
        <figcaption>
          <ul
            aria-label={`${label}: legend`}
            className="mt-1 flex flex-wrap gap-x-3 gap-y-0.5 text-xs text-zinc-600 dark:text-zinc-300"
          >
            {series.map((s) => (
              <li key={s.key} className="flex items-center gap-1">
                <span aria-hidden className="inline-block h-2 w-2 rounded-sm" style={{ background: s.color }} />
                {s.label}
              </li>
            ))}
          </ul>
        </figcaption>
      )}
    </figure>
  );
}

export function Sparkline<Row>({
  rows,
  dataKey,
  color,
  label,
  onPick,
}: {
  rows: Row[];
  dataKey: keyof Row & string;
  color: string;
  label: string;
  /** a click picks the row (time bucket) under the pointer */
  onPick?: (row: Row) => void;
}) {
  return (
    <figure aria-label={label} className={`h-7 w-24 ${onPick ? "cursor-pointer" : ""}`}>
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={rows} margin={{ top: 2, right: 0, bottom: 2, left: 0 }} onClick={picker(rows, onPick)}>
          {/* no box: the cursor line shows which moment a click opens */}
          {onPick && <Tooltip content={() => null} cursor={{ stroke: color, strokeOpacity: 0.6 }} />}
          <Area
            dataKey={String(dataKey)}
            type="monotone"
            stroke={color}
            fill={color}
            fillOpacity={0.2}
            strokeWidth={1}
            dot={false}
            isAnimationActive={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </figure>
  );
}

export interface Dot {
  time: number;
  durationMs: number;
  traceId: string;
  name: string;
}

/** Trace durations over time; a click on a dot hands its trace id over. */
export function DurationScatter({
  ok,
  failed,
  onOpen,
  height = 180,
}: {
  ok: Dot[];
  failed: Dot[];
  onOpen: (traceId: string) => void;
  height?: number;
}) {
  const times = [...ok, ...failed].map((d) => d.time);
  const tick = timeTickFormat(times.length ? Math.max(...times) - Math.min(...times) : 0);
  const open = (dot: unknown) => {
    const point = dot as Partial<Dot> & { payload?: Dot };
    const traceId = point.payload?.traceId ?? point.traceId;
    if (traceId) onOpen(traceId);
  };
  return (
    <figure aria-label="Trace durations over time" className="w-full" style={{ height }}>
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.12} />
          <XAxis
            dataKey="time"
            type="number"
            scale="time"
            domain={["dataMin", "dataMax"]}
            tickFormatter={tick}
            tick={{ fontSize: 11, fill: "currentColor" }}
            stroke="currentColor"
            strokeOpacity={0.3}
            minTickGap={40}
            name="start"
          />
          <YAxis
            dataKey="durationMs"
            type="number"
            tickFormatter={(v: number) => formatDuration(v)}
            tick={{ fontSize: 11, fill: "currentColor" }}
            stroke="currentColor"
            strokeOpacity={0.3}
            width={64}
            name="duration"
          />
          <ZAxis range={[36, 36]} />
          <Tooltip
            cursor={{ strokeDasharray: "3 3" }}
            content={({ payload }) => {
              const dot = payload?.[0]?.payload as Dot | undefined;
              if (!dot) return null;
              return (
                <div className="rounded border border-zinc-200 bg-white px-2 py-1 text-xs shadow dark:border-zinc-700 dark:bg-zinc-900">
                  <p className="font-medium">{dot.name}</p>
                  <p>
                    {formatDuration(dot.durationMs)} · {formatSecond(dot.time)}
                  </p>
                </div>
              );
            }}
          />
          <Scatter
            name="ok"
            data={ok}
            fill={COLORS.blue}
            onClick={open}
            isAnimationActive={false}
            className="cursor-pointer"
          />
          <Scatter
            name="failed"
            data={failed}
            fill={COLORS.red}
            onClick={open}
            isAnimationActive={false}
            className="cursor-pointer"
          />
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Counts per category (retry counts, status codes): one bar per row. */
export function CategoryBars<Row extends { label: string }>({
  rows,
  dataKey,
  color,
  label,
  format,
  height = 180,
}: {
  rows: Row[];
  dataKey: keyof Row & string;
  color: string;
  label: string;
  format: (value: number) => string;
  height?: number;
}) {
  return (
    <figure aria-label={label} className="w-full" style={{ height }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.12} vertical={false} />
          <XAxis
            dataKey="label"
            tick={{ fontSize: 11, fill: "currentColor" }}
            stroke="currentColor"
            strokeOpacity={0.3}
          />
          <YAxis
            tickFormatter={format}
            tick={{ fontSize: 11, fill: "currentColor" }}
            stroke="currentColor"
            strokeOpacity={0.3}
            width={48}
            allowDecimals={false}
          />
          <Tooltip
            formatter={(value) => (typeof value === "number" ? format(value) : "–")}
            contentStyle={{
              fontSize: 12,
              background: "var(--tooltip-bg)",
              border: "1px solid var(--tooltip-border)",
              color: "inherit",
            }}
          />
          <Bar dataKey={String(dataKey)} fill={color} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** A legend whose entries switch their series on and off. */
export function SeriesLegend({
  series,
  hidden,
  onToggle,
}: {
  series: { key: string; label: string; color: string }[];
  hidden: ReadonlySet<string>;
  onToggle: (key: string) => void;
}) {
  return (
    <ul aria-label="Series" className="flex flex-wrap gap-1.5 text-xs">
      {series.map((s) => (
        <li key={s.key}>
          <Button
            variant="ghost"
            aria-pressed={!hidden.has(s.key)}
            onClick={() => onToggle(s.key)}
            className={`flex items-center gap-1 rounded border px-1.5 py-0.5 ${hidden.has(s.key) ? "border-zinc-200 text-zinc-400 line-through dark:border-zinc-800" : "border-zinc-300 dark:border-zinc-700"}`}
          >
            <span className="inline-block h-2 w-2 rounded-sm" style={{ background: s.color }} />
            {s.label}
          </Button>
        </li>
      ))}
    </ul>
  );
}
