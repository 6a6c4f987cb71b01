"use client";

import { useEffect, useRef, useState } from "react";
import { serviceColor } from "./colors";
import type { TraceModel } from "./model";
import type { TimeWindow } from "./view-state";

const HEIGHT = 56;

/**
 * Every span of the trace drawn small on a canvas (cheap for 100,000 spans); dragging across it
 * picks the time window the waterfall shows.
 */
export function Minimap({
  model,
  window,
  onWindow,
}: {
  model: TraceModel;
  window: TimeWindow;
  onWindow: (window: TimeWindow | null) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drag, setDrag] = useState<[number, number] | null>(null);
  const duration = model.durationMs || 1;

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const width = element.clientWidth;
    const ratio = globalThis.devicePixelRatio || 1;
    element.width = width * ratio;
    element.height = HEIGHT * ratio;
    const context = element.getContext("2d");
    if (!context) return;
    context.scale(ratio, ratio);
    context.clearRect(0, 0, width, HEIGHT);
    // every span in tree order, whatever is collapsed in the waterfall
    const { order } = model;
    const rowHeight = Math.max(HEIGHT / Math.max(order.length, 1), 1);
    const step = HEIGHT / Math.max(order.length, 1);
    for (let row = 0; row < order.length; row++) {
      const node = model.nodes[order[row]!]!;
      context.fillStyle = node.failed ? "#dc2626" : serviceColor(node.span.service_name);
      const x = (node.start / duration) * width;
      context.fillRect(x, row * step, Math.max(((node.end - node.start) / duration) * width, 1), rowHeight);
    }
  }, [model, duration]);

  const at = (clientX: number) => {
    const rect = canvas.current!.getBoundingClientRect();
    return Math.min(Math.max((clientX - rect.left) / rect.width, 0), 1) * duration;
  };
  const [from, to] = drag ? [Math.min(...drag), Math.max(...drag)] : window;
  const whole = !drag && from <= 0 && to >= duration;

  return (
    <div
      className="relative select-none"
      style={{ height: HEIGHT }}
      aria-label="Trace minimap: drag to zoom the waterfall, double-click to reset"
      role="group"
    >
      <canvas ref={canvas} className="h-full w-full rounded bg-zinc-100 dark:bg-zinc-800" />
      {!whole && (
        <>
          <div
            className="pointer-events-none absolute inset-y-0 left-0 bg-zinc-900/25 dark:bg-black/50"
            style={{ width: `${(from / duration) * 100}%` }}
          />
          <div
            className="pointer-events-none absolute inset-y-0 right-0 bg-zinc-900/25 dark:bg-black/50"
            style={{ width: `${100 - (to / duration) * 100}%` }}
          />
          <div
            className="pointer-events-none absolute inset-y-0 border-x-2 border-sky-500"
            style={{ left: `${(from / duration) * 100}%`, width: `${((to - from) / duration) * 100}%` }}
          />
        </>
      )}
      <div
        className="absolute inset-0 cursor-crosshair"
        onMouseDown={(e) => setDrag([at(e.clientX), at(e.clientX)])}
        onMouseMove={(e) => drag && setDrag([drag[0], at(e.clientX)])}
        onMouseUp={() => {
          if (drag) {
            const [a, b] = [Math.min(...drag), Math.max(...drag)];
            // a click without a drag is not a zoom
            if (b - a > duration / 500) onWindow([a, b]);
          }
          setDrag(null);
        }}
        onMouseLeave={() => setDrag(null)}
        onDoubleClick={() => onWindow(null)}
      />
    </div>
  );
}
