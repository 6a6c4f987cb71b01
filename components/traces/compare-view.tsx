"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useMemo, useState, type FormEvent } from "react";
import { useSetParams, useTrace, useView } from "@/components/data/hooks";
import { Button } from "@/components/ui/button";
import { formatDuration } from "@/components/ui/format";
import { Input } from "@/components/ui/input";
import { traceHref } from "@/components/ui/links";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { largestDifferences, mergeTraces, type MergedRow } from "./compare";
import { readTraceReference } from "./trace-reference";

// Two traces side by side as one merged tree: the spans only in A, only in B, and in both with how much longer or
// shorter they took; the spans that explain most of the difference first. The URL (?a=&b=) reproduces it.

/** Rows the merged table draws at most; the largest differences are listed whatever the size. */
const MAX_ROWS = 2_000;

const signed = (ms: number) => `${ms > 0 ? "+" : ms < 0 ? "−" : "±"}${formatDuration(Math.abs(ms))}`;

export function TraceComparePage() {
  const params = useSearchParams();
  const a = readTraceReference(params.get("a") ?? "")?.traceId;
  const b = readTraceReference(params.get("b") ?? "")?.traceId;
  return (
    <div className="mx-auto max-w-7xl space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Compare traces</h1>
        <p className="text-sm text-zinc-500">
          Two traces as one tree: what only one of them has, and what took longer in B than in A.
        </p>
      </div>
      <PickTraces key={params.toString()} a={params.get("a") ?? ""} b={params.get("b") ?? ""} />
      {a && b ? (
        <Comparison a={a} b={b} />
      ) : (
        <EmptyState title="Pick two traces">
          Paste two trace ids (or traceparents, or links to traces), or tick two traces in the Traces list.
        </EmptyState>
      )}
    </div>
  );
}

function PickTraces({ a, b }: { a: string; b: string }) {
  const setParams = useSetParams();
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const read = (name: string) => readTraceReference(String(form.get(name) ?? ""))?.traceId;
    const [first, second] = [read("a"), read("b")];
    if (!first || !second) {
      setProblem(`${!first ? "Trace A" : "Trace B"} is not a trace id, a traceparent or a link to a trace.`);
      return;
    }
    setProblem(null);
    setParams({ a: first, b: second });
  };
  return (
    <form
      aria-label="Traces to compare"
      onSubmit={submit}
      className="flex flex-wrap items-end gap-3 rounded-lg border border-zinc-200 bg-white p-3 text-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      <label className="flex flex-col gap-0.5">
        Trace A
        <Input name="a" defaultValue={a} className="w-80 font-mono" spellCheck={false} />
      </label>
      <label className="flex flex-col gap-0.5">
        Trace B
        <Input name="b" defaultValue={b} className="w-80 font-mono" spellCheck={false} />
      </label>
      <Button type="submit">Compare</Button>
      {problem && (
        <p role="alert" className="w-full text-red-700 dark:text-red-300">
          {problem}
        </p>
      )}
    </form>
  );
}

function Comparison({ a, b }: { a: string; b: string }) {
  const view = useView();
  const left = useTrace(view, a);
  const right = useTrace(view, b);
  const ready = left.complete && right.complete;
  const rows = useMemo(
    () => (ready && left.trace && right.trace ? mergeTraces(left.trace.spans, right.trace.spans) : null),
    [ready, left.trace, right.trace],
  );
  if (left.error) return <ErrorState what={`trace A (${a})`} error={left.error} onRetry={left.refetch} />;
  if (right.error) return <ErrorState what={`trace B (${b})`} error={right.error} onRetry={right.refetch} />;
  if (!rows || !left.trace || !right.trace)
    return (
      <Loading
        what={`both traces (${left.loaded.toLocaleString("en")} and ${right.loaded.toLocaleString("en")} spans so far)`}
      />
    );
  const difference = right.trace.duration_ms - left.trace.duration_ms;
  const largest = largestDifferences(rows);
  return (
    <>
      <section
        aria-label="Summary"
        className="grid gap-3 rounded-lg border border-zinc-200 bg-white p-4 text-sm sm:grid-cols-3 dark:border-zinc-800 dark:bg-zinc-900"
      >
        {(
          [
            ["A", left.trace, a],
            ["B", right.trace, b],
          ] as const
        ).map(([side, trace, id]) => (
          <div key={side}>
            <p className="text-xs text-zinc-500">Trace {side}</p>
            <p className="font-medium">
              {trace.service_name ?? "?"}: {trace.root_name ?? "(root span missing)"}
            </p>
            <p className="tabular-nums" data-testid={`duration-${side}`}>
              {formatDuration(trace.duration_ms)} · {trace.span_count.toLocaleString("en")} spans
            </p>
            {traceHref(id, view) && (
              <Link
                href={traceHref(id, view)!}
                className="font-mono text-xs text-sky-700 hover:underline dark:text-sky-400"
              >
                {id}
              </Link>
            )}
          </div>
        ))}
        <div>
          <p className="text-xs text-zinc-500">Difference</p>
          <p
            className={`text-lg font-semibold tabular-nums ${difference > 0 ? "text-red-700 dark:text-red-400" : "text-emerald-700 dark:text-emerald-400"}`}
            data-testid="difference"
          >
            {signed(difference)}
          </p>
          <p className="text-xs text-zinc-500">B against A</p>
        </div>
      </section>
      <section
        aria-label="Largest differences"
        className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900"
      >
        <h2 className="mb-2 text-sm font-medium text-zinc-600 dark:text-zinc-300">
          Largest differences (each span&rsquo;s own time, its children&rsquo;s left out)
        </h2>
        {largest.length === 0 ? (
          <p className="text-sm text-zinc-500">The two traces spent the same time in every span.</p>
        ) : (
          <ol className="space-y-1 text-sm">
            {largest.map((row) => (
              <li key={row.key} className="flex items-baseline gap-3" data-presence={row.presence}>
                <span
                  className={`w-24 shrink-0 text-right font-medium tabular-nums ${row.self_diff_ms > 0 ? "text-red-700 dark:text-red-400" : "text-emerald-700 dark:text-emerald-400"}`}
                >
                  {signed(row.self_diff_ms)}
                </span>
                <span>
                  <span className="text-zinc-500">{row.service_name}:</span> {row.name}
                  <Presence row={row} />
                </span>
              </li>
            ))}
          </ol>
        )}
      </section>
      <MergedTable rows={rows} />
    </>
  );
}

function Presence({ row }: { row: MergedRow }) {
  if (row.presence === "both") return null;
  return (
    <span
      className={`ml-2 rounded px-1.5 py-0.5 text-[11px] font-medium ${row.presence === "a" ? "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200" : "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-200"}`}
    >
      only in {row.presence.toUpperCase()}
    </span>
  );
}

function MergedTable({ rows }: { rows: MergedRow[] }) {
  const shown = rows.slice(0, MAX_ROWS);
  return (
    <section
      aria-label="Merged spans"
      className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900"
    >
      <table aria-label="Merged spans" className="w-full text-sm">
        <thead className="border-b border-zinc-200 text-left text-xs text-zinc-500 dark:border-zinc-800">
          <tr>
            <th className="px-3 py-2 font-medium">Span</th>
            <th className="px-3 py-2 text-right font-medium">A</th>
            <th className="px-3 py-2 text-right font-medium">B</th>
            <th className="px-3 py-2 text-right font-medium">B − A</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => {
            const diff = row.a_ms !== null && row.b_ms !== null ? row.b_ms - row.a_ms : null;
            return (
              <tr
                key={row.key}
                data-presence={row.presence}
                className="border-b border-zinc-100 last:border-0 dark:border-zinc-800"
              >
                <td className="px-3 py-1" style={{ paddingLeft: `${0.75 + Math.min(row.depth, 30) * 1}rem` }}>
                  <span className="text-zinc-500">{row.service_name}:</span>{" "}
                  <span className={row.failed ? "text-red-700 dark:text-red-400" : ""}>{row.name}</span>
                  <Presence row={row} />
                </td>
                <td className="px-3 py-1 text-right tabular-nums">
                  {row.a_ms === null ? "–" : formatDuration(row.a_ms)}
                </td>
                <td className="px-3 py-1 text-right tabular-nums">
                  {row.b_ms === null ? "–" : formatDuration(row.b_ms)}
                </td>
                <td
                  className={`px-3 py-1 text-right tabular-nums ${diff && diff > 0 ? "text-red-700 dark:text-red-400" : diff && diff < 0 ? "text-emerald-700 dark:text-emerald-400" : ""}`}
                >
                  {diff === null ? "" : signed(diff)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows.length > shown.length && (
        <p className="p-3 text-xs text-zinc-500">
          The first {MAX_ROWS.toLocaleString("en")} of {rows.length.toLocaleString("en")} spans are listed; the largest
          differences above cover them all.
        </p>
      )}
    </section>
  );
}
