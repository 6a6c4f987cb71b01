"use client";

import { useSyncExternalStore } from "react";
import { formatDate, formatTime } from "./format";

const noSubscription = () => () => {};

/**
 * False while the server renders and the browser hydrates, true after: what depends on the
 * viewer's clock or time zone is shown only then, so server and browser render the same page.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(noSubscription, () => true, () => false);
}

/** A time in the viewer's zone (in UTC until the page is hydrated). */
export function Time({ iso, precision = "ms" }: { iso: string; precision?: "ms" | "minute" }) {
  const local = useHydrated();
  return <time dateTime={iso}>{(precision === "ms" ? formatTime : formatDate)(iso, !local)}</time>;
}
