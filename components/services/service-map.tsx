"use client";

import Link from "next/link";
import { useMemo } from "react";
import { useEndpoint, useView } from "@/components/data/hooks";
import { serviceMapRequest } from "@/components/data/requests";
import type { ServiceMapAnswer } from "@/components/data/types";
import { viewHref, type View } from "@/components/data/view";
import { formatDuration, formatPercent, formatRate } from "@/components/ui/format";
import { serviceHref } from "@/components/ui/links";
import { EmptyState, QueryState } from "@/components/ui/states";
import { layoutMap, NODE_HEIGHT, NODE_WIDTH } from "./map-layout";

// The service map: who calls whom over the time range. A call's line is as thick as its rate is high among the
// map's calls, and red or amber by its error rate, so the busiest and the failing paths stand out; a service's box
// is coloured by its own error rate. A service opens its page; a call opens the traces through both services.

type MapNode = ServiceMapAnswer["nodes"][number];
type MapEdge = ServiceMapAnswer["edges"][number];

/** An error rate's tone: red from 5%, amber from 1%. */
function tone(errorRate: number): "failing" | "erring" | "ok" {
  return errorRate >= 0.05 ? "failing" : errorRate >= 0.01 ? "erring" : "ok";
}
const STROKE = { failing: "#dc2626", erring: "#d97706", ok: "#64748b" };

/** The traces that went through both sides of a call. */
function callHref(edge: MapEdge, view: View): string {
  const url = new URL(viewHref("/traces", view), "http://dashboard.internal");
  url.searchParams.append("service", edge.target);
  url.searchParams.append("service", edge.source);
  return `${url.pathname}${url.search}`;
}

const describeNode = (n: MapNode) =>
  n.request_rate > 0
    ? `${formatRate(n.request_rate)} · ${formatPercent(n.error_rate)} errors · p95 ${formatDuration(n.p95_ms)}`
    : "no requests handled";
const describeEdge = (e: MapEdge) =>
  `${formatRate(e.call_rate)} · ${formatPercent(e.error_rate)} · p95 ${formatDuration(e.p95_ms)}`;

export function ServiceMapPage() {
  const view = useView();
  const map = useEndpoint(serviceMapRequest(view));
  return (
    <div className="mx-auto max-w-7xl space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Service map</h1>
        <p className="text-sm text-zinc-500">
          Calls between services in the time range: thicker lines carry more calls, red and amber ones fail more.
        </p>
      </div>
      <QueryState query={map} what="the service map">
        {(data) =>
          data.nodes.length === 0 ? (
            <EmptyState title="No services in this time range">
              Choose a longer time range, or check that your services are sending spans.
            </EmptyState>
          ) : (
            <>
              <MapDrawing data={data} view={view} />
              {data.truncated && (
                <p className="text-sm text-amber-700 dark:text-amber-300">
                  Only the {data.edges.length} busiest calls are drawn.
                </p>
              )}
              <CallsTable edges={data.edges} view={view} />
            </>
          )
        }
      </QueryState>
    </div>
  );
}

function MapDrawing({ data, view }: { data: ServiceMapAnswer; view: View }) {
  const layout = useMemo(
    () =>
      layoutMap(
        data.nodes.map((n) => n.name),
        data.edges,
      ),
    [data],
  );
  const nodes = new Map(data.nodes.map((n) => [n.name, n]));
  const busiest = Math.max(...data.edges.map((e) => e.call_rate), 1e-9);
  const width = (e: MapEdge) => 1.5 + 5 * (Math.log1p(e.call_rate) / Math.log1p(busiest));
  return (
    <figure
      aria-label="Service map"
      className="overflow-auto rounded-lg border border-zinc-200 bg-white p-2 dark:border-zinc-800 dark:bg-zinc-900"
    >
      <svg
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        className="mx-auto block text-zinc-800 dark:text-zinc-100"
      >
        <defs>
          {Object.entries(STROKE).map(([name, color]) => (
            <marker
              key={name}
              id={`arrow-${name}`}
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              // the same size whatever the line's width
              markerUnits="userSpaceOnUse"
              markerWidth="11"
              markerHeight="11"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" fill={color} />
            </marker>
          ))}
        </defs>
        {layout.edges.map((placed, i) => {
          const edge = data.edges[i]!;
          const t = tone(edge.error_rate);
          return (
            <Link
              key={`${edge.source}\u0000${edge.target}`}
              href={callHref(edge, view)}
              aria-label={`${edge.source} → ${edge.target}: ${describeEdge(edge)}`}
              data-edge={`${edge.source}->${edge.target}`}
              data-tone={t}
            >
              <title>{`${edge.source} → ${edge.target}: ${describeEdge(edge)}`}</title>
              <polyline
                points={placed.points.map((p) => `${p.x},${p.y}`).join(" ")}
                fill="none"
                stroke={STROKE[t]}
                strokeOpacity={0.8}
                strokeWidth={width(edge)}
                markerEnd={`url(#arrow-${t})`}
              />
              <text
                x={placed.label.x}
                y={placed.label.y + 4}
                textAnchor="middle"
                fontSize={11}
                fill="currentColor"
                // a halo of the background's colour keeps the label readable over its line
                strokeWidth={4}
                paintOrder="stroke"
                className="fill-zinc-600 stroke-white dark:fill-zinc-300 dark:stroke-zinc-900"
              >
                {describeEdge(edge)}
              </text>
            </Link>
          );
        })}
        {layout.nodes.map((placed) => {
          const node = nodes.get(placed.name)!;
          const t = tone(node.error_rate);
          const box = (
            <>
              <rect
                x={placed.x - NODE_WIDTH / 2}
                y={placed.y - NODE_HEIGHT / 2}
                width={NODE_WIDTH}
                height={NODE_HEIGHT}
                rx={8}
                className="fill-white dark:fill-zinc-900"
                stroke={t === "ok" ? "#0284c7" : STROKE[t]}
                strokeWidth={t === "ok" ? 1.5 : 2.5}
              />
              <text
                x={placed.x}
                y={placed.y - 5}
                textAnchor="middle"
                fontSize={13}
                fontWeight={600}
                fill="currentColor"
              >
                {placed.name.length > 28 ? `${placed.name.slice(0, 27)}…` : placed.name}
              </text>
              <text x={placed.x} y={placed.y + 14} textAnchor="middle" fontSize={11} fill="currentColor" opacity={0.7}>
                {describeNode(node)}
              </text>
            </>
          );
          const href = serviceHref(placed.name, view);
          return href ? (
            <Link
              key={placed.name}
              href={href}
              aria-label={`${placed.name}: ${describeNode(node)}`}
              data-node={placed.name}
              data-tone={t}
            >
              <title>{`${placed.name}: ${describeNode(node)}`}</title>
              {box}
            </Link>
          ) : (
            <g key={placed.name} data-node={placed.name} data-tone={t}>
              {box}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/** The calls as a table too, busiest first: readable without the drawing, and each opens its traces. */
function CallsTable({ edges, view }: { edges: MapEdge[]; view: View }) {
  if (edges.length === 0)
    return <EmptyState title="No calls between services in this time range">Each service ran on its own.</EmptyState>;
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <table aria-label="Calls" className="w-full text-sm">
        <thead className="border-b border-zinc-200 text-left text-xs text-zinc-500 dark:border-zinc-800">
          <tr>
            <th className="px-3 py-2 font-medium">Caller</th>
            <th className="px-3 py-2 font-medium">Called</th>
            <th className="px-3 py-2 text-right font-medium">Calls</th>
            <th className="px-3 py-2 text-right font-medium">Rate</th>
            <th className="px-3 py-2 text-right font-medium">Error rate</th>
            <th className="px-3 py-2 text-right font-medium">p95</th>
            <th className="px-3 py-2 font-medium">
              <span className="sr-only">Traces</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {edges.map((e) => (
            <tr
              key={`${e.source}\u0000${e.target}`}
              data-call={`${e.source}->${e.target}`}
              className="border-b border-zinc-100 last:border-0 dark:border-zinc-800"
            >
              <td className="px-3 py-1.5">{e.source}</td>
              <td className="px-3 py-1.5">{e.target}</td>
              <td className="px-3 py-1.5 text-right tabular-nums">{e.calls.toLocaleString("en")}</td>
              <td className="px-3 py-1.5 text-right tabular-nums">{formatRate(e.call_rate)}</td>
              <td
                className={`px-3 py-1.5 text-right tabular-nums ${e.error_rate > 0 ? "text-red-600 dark:text-red-400" : ""}`}
                data-column="error-rate"
              >
                {formatPercent(e.error_rate)}
              </td>
              <td className="px-3 py-1.5 text-right tabular-nums">{formatDuration(e.p95_ms)}</td>
              <td className="px-3 py-1.5">
                <Link className="text-sky-700 hover:underline dark:text-sky-400" href={callHref(e, view)}>
                  Traces
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
