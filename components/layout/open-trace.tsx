"use client";

import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { useView } from "@/components/data/hooks";
import { readTraceReference } from "@/components/traces/trace-reference";
import { useHydrated } from "@/components/ui/browser";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { traceHref } from "@/components/ui/links";

/**
 * Opens the trace a pasted value names: a trace id, a traceparent header value, or a link to a
 * trace. `compact` is the header's form: a field alone, opened with Enter.
 */
export function OpenTrace({ compact = false }: { compact?: boolean }) {
  const view = useView();
  const router = useRouter();
  const hydrated = useHydrated();
  const [value, setValue] = useState("");
  const [invalid, setInvalid] = useState(false);
  const messageId = useId();

  const open = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const reference = readTraceReference(value);
    const href = reference && traceHref(reference.traceId, view, reference.spanId);
    if (!href) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setValue("");
    router.push(href);
  };

  return (
    <form
      role="search"
      aria-label={compact ? "Open a trace" : "Open a trace by id"}
      onSubmit={open}
      className={compact ? "relative" : "flex flex-wrap items-center gap-2"}
    >
      <Input
        aria-label="Trace id"
        placeholder={compact ? "Open trace id…" : "Trace id, traceparent or link to a trace"}
        value={value}
        disabled={!hydrated}
        onChange={(e) => {
          setValue(e.target.value);
          setInvalid(false);
        }}
        aria-invalid={invalid}
        aria-describedby={invalid ? messageId : undefined}
        spellCheck={false}
        autoComplete="off"
        className={compact ? "w-36 font-mono transition-[width] focus:w-80" : "w-96 font-mono"}
      />
      {!compact && (
        <Button type="submit" variant="secondary" disabled={!hydrated}>
          Open trace
        </Button>
      )}
      {invalid && (
        <p
          id={messageId}
          role="alert"
          className={`text-xs text-red-600 dark:text-red-400 ${
            compact
              ? "absolute right-0 top-full mt-1 w-72 rounded border border-red-200 bg-white p-1.5 shadow dark:border-red-900 dark:bg-zinc-900"
              : "w-full"
          }`}
        >
          {"Not a trace id. Paste 32 hex digits, a traceparent (00-<trace id>-<span id>-01) or a link to a trace."}
        </p>
      )}
    </form>
  );
}
