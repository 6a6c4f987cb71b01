"use client";

import Link from "next/link";
import { useState, type ComponentProps, type FormEvent, type ReactNode } from "react";
import { useView } from "@/components/data/hooks";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { taskHref } from "@/components/ui/links";
import { headClass, tableClass } from "@/components/ui/panel";
import { EmptyState } from "@/components/ui/states";
import { Time } from "@/components/ui/time";

// What the Events and Network pages are built from: a titled page, a filter bar that ends with
// the slow threshold, what to say when nothing was sent, and tables of task records.

export function PipelinePage({
  title,
  description,
  children,
}: {
  title: string;
  description: string;
  children: ReactNode;
}) {
  return (
    <div className="mx-auto max-w-7xl space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        <p className="text-sm text-zinc-500">{description}</p>
      </div>
      {children}
    </div>
  );
}

/**
 * The page's own filters, then the slow threshold and Apply. `onApply` gets the form and the
 * threshold to put in the URL: none when it is the default, so the default keeps a short link.
 */
export function FilterBar({
  label,
  threshold: initial,
  onApply,
  children,
}: {
  label: string;
  /** seconds, as the URL has it */
  threshold: string;
  onApply: (form: FormData, threshold: string | null) => void;
  children: ReactNode;
}) {
  const [threshold, setThreshold] = useState(initial);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onApply(new FormData(event.currentTarget), threshold === "1" ? null : threshold);
  };
  return (
    <form
      aria-label={label}
      onSubmit={submit}
      className="flex flex-wrap items-end gap-3 rounded-lg border border-zinc-200 bg-white p-3 text-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      {children}
      <Field label="Slow threshold (s)">
        <Input
          name="threshold"
          type="number"
          min={0}
          step="any"
          required
          value={threshold}
          onChange={(e) => setThreshold(e.target.value)}
          className="w-28"
        />
      </Field>
      <Button type="submit">Apply</Button>
    </form>
  );
}

/** A labelled control of the filter bar; `wide` takes the room the others leave. */
export function Field({ label, wide, children }: { label: string; wide?: boolean; children: ReactNode }) {
  return (
    <label className={wide ? "flex flex-1 flex-col gap-0.5" : "flex flex-col gap-0.5"}>
      {label}
      {children}
    </label>
  );
}

/** The names seen in the time range to filter on, and the chosen one even when it is not among them. */
export function NameSelect({
  name,
  every,
  names,
  chosen,
}: {
  name: string;
  /** what no filter is called: "Every host" */
  every: string;
  names: string[];
  chosen: string | undefined;
}) {
  return (
    <Select name={name} defaultValue={chosen ?? ""}>
      <option value="">{every}</option>
      {chosen && !names.includes(chosen) && <option value={chosen}>{chosen}</option>}
      {names.map((name) => (
        <option key={name} value={name}>
          {name}
        </option>
      ))}
    </Select>
  );
}

/** An empty time range says how its records get here. */
export function NothingSent({
  title,
  send,
  endpoint,
  sdk,
}: {
  title: string;
  /** what to send: "task executions" */
  send: string;
  endpoint: string;
  /** the part of the SDK that sends them */
  sdk: string;
}) {
  return (
    <EmptyState title={title}>
      Send {send} to <code>POST {endpoint}</code> (the SDK&apos;s {sdk} does), or widen the time range.
    </EmptyState>
  );
}

export interface Column {
  name: string;
  /** right-aligned, as the numbers under it */
  numeric?: boolean;
}

/** A table of records, one row each; it scrolls sideways rather than squeeze its columns. */
export function RecordTable({ label, columns, children }: { label: string; columns: Column[]; children: ReactNode }) {
  return (
    <div className="overflow-x-auto">
      <table aria-label={label} className={tableClass}>
        <thead className={headClass}>
          <tr>
            {columns.map(({ name, numeric }) => (
              <th key={name} className={numeric ? "py-1 text-right font-medium" : "py-1 font-medium"}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A count, duration or size: right-aligned in even-width digits, in red when `bad`. */
export function NumberCell({ bad, className, ...props }: ComponentProps<"td"> & { bad?: boolean }) {
  const classes = ["py-1.5 text-right tabular-nums", bad && "text-red-600 dark:text-red-400", className];
  return <td className={classes.filter(Boolean).join(" ")} {...props} />;
}

export function TimeCell({ iso }: { iso: string }) {
  return (
    <td className="py-1.5 whitespace-nowrap text-zinc-500">
      <Time iso={iso} />
    </td>
  );
}

/** A task's id, opening its record (in the same project and time range). */
export function TaskLink({ taskId }: { taskId: string }) {
  const href = taskHref(taskId, useView());
  if (!href) return <span>{taskId}</span>;
  return (
    <Link className="text-sky-700 hover:underline dark:text-sky-400" href={href}>
      {taskId}
    </Link>
  );
}
