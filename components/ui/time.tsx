"use client";

import { useHydrated } from "./browser";
import { formatDate, formatTime } from "./format";

/** A time in the viewer's zone (in UTC until the page is hydrated). */
export function Time({ iso, precision = "ms" }: { iso: string; precision?: "ms" | "minute" }) {
  const local = useHydrated();
  return <time dateTime={iso}>{(precision === "ms" ? formatTime : formatDate)(iso, !local)}</time>;
}
