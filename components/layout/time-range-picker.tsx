"use client";

import { useEffect, useRef, useState } from "react";
import { useSetParams, useView } from "@/components/data/hooks";
import { useHydrated } from "@/components/ui/browser";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { describeRange, localInput, PRESETS } from "./time-range";

export function TimeRangePicker() {
  const view = useView();
  const setParams = useSetParams();
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const box = useRef<HTMLDivElement>(null);
  const hydrated = useHydrated();

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => {
      if (box.current && !box.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);

  const apply = (nextFrom: string, nextTo: string) => {
    setParams({ from: nextFrom === "now-1h" ? null : nextFrom, to: nextTo === "now" ? null : nextTo, cursor: null });
    setOpen(false);
  };

  return (
    <div ref={box} className="relative">
      <Button
        variant="secondary"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-label="Time range"
        onClick={() => {
          setFrom(localInput(view.from));
          setTo(localInput(view.to));
          setOpen(!open);
        }}
      >
        {hydrated ? describeRange(view.from, view.to) : describeRange(view.from, view.to, true)}
      </Button>
      {open && (
        <div
          role="dialog"
          aria-label="Choose a time range"
          className="absolute right-0 z-30 mt-1 flex w-[30rem] gap-4 rounded-md border border-zinc-200 bg-white p-3 text-sm shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
        >
          <ul className="w-40 space-y-0.5">
            {PRESETS.map((preset) => (
              <li key={preset.from}>
                <Button
                  variant="ghost"
                  className={`w-full rounded px-2 py-1 text-left ${preset.from === view.from && view.to === "now" ? "font-semibold text-sky-700 dark:text-sky-400" : ""}`}
                  onClick={() => apply(preset.from, "now")}
                >
                  {preset.label}
                </Button>
              </li>
            ))}
          </ul>
          <form
            className="flex flex-1 flex-col gap-2"
            onSubmit={(event) => {
              event.preventDefault();
              const fromDate = new Date(from);
              const toDate = new Date(to);
              if (Number.isNaN(fromDate.getTime()) || Number.isNaN(toDate.getTime()) || fromDate >= toDate) return;
              apply(fromDate.toISOString(), toDate.toISOString());
            }}
          >
            <p className="font-medium">Absolute range</p>
            <label className="flex flex-col gap-0.5">
              From
              <Input type="datetime-local" required value={from} onChange={(e) => setFrom(e.target.value)} />
            </label>
            <label className="flex flex-col gap-0.5">
              To
              <Input type="datetime-local" required value={to} onChange={(e) => setTo(e.target.value)} />
            </label>
            {from && to && new Date(from) >= new Date(to) && (
              <p className="text-xs text-red-600">“From” must be before “To”.</p>
            )}
            <Button type="submit" className="mt-1">
              Apply
            </Button>
          </form>
        </div>
      )}
    </div>
  );
}
