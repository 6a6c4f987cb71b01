"use client";

import type { ReactNode } from "react";
import { ApiRequestError } from "@/components/data/api";

import { Button } from "./button";

export function Loading({ what }: { what: string }) {
  return (
    <div role="status" aria-live="polite" className="flex items-center gap-2 p-6 text-sm text-zinc-500">
      <span className="h-3 w-3 animate-spin rounded-full border-2 border-zinc-300 border-t-sky-500" aria-hidden />
      Loading {what}…
    </div>
  );
}

const reasonOf = (error: unknown) =>
  error instanceof ApiRequestError
    ? `${error.message}${error.status ? ` (HTTP ${error.status})` : ""}`
    : error instanceof Error
      ? error.message
      : String(error);

/** Says what failed and why, with a way to try again when trying again could help. */
export function ErrorState({ what, error, onRetry }: { what: string; error: unknown; onRetry?: () => void }) {
  const reason = reasonOf(error);
  const retryable = !(error instanceof ApiRequestError && error.status >= 400 && error.status < 500);
  return (
    <div
      role="alert"
      className="rounded-md border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-900 dark:bg-red-950/60 dark:text-red-200"
    >
      <p className="font-medium">Could not load {what}.</p>
      <p className="mt-1">{reason}</p>
      {retryable && onRetry && (
        <Button variant="secondary" size="sm" onClick={onRetry} className="mt-2">
          Try again
        </Button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-md border border-dashed border-zinc-300 p-8 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
      <p className="font-medium text-zinc-800 dark:text-zinc-200">{title}</p>
      {children && <div className="mt-2">{children}</div>}
    </div>
  );
}

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

/** Loading, error, or the data: every panel that reads the API goes through the same three states. */
export function QueryState<T>({
  query,
  what,
  children,
}: {
  query: QueryLike<T>;
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (query.data !== undefined) return <>{children(query.data)}</>;
  if (query.error) return <ErrorState what={what} error={query.error} onRetry={() => void query.refetch()} />;
  return <Loading what={what} />;
}

/** A change the API refused or that failed, in the API's own words, next to the control that asked for it. */
export function ActionError({ action, error }: { action: string; error: unknown }) {
  return (
    <p role="alert" className="text-sm text-red-700 dark:text-red-300">
      Could not {action}: {reasonOf(error)}
    </p>
  );
}
