"use client";

import Link from "next/link";
import { useView } from "@/components/data/hooks";
import { useSessionUser } from "@/components/layout/session";
import { newAlertHref, type AlertPrefill } from "./links";

/** "Alert on this" beside a chart: the new-rule form, filled in with what the chart shows. Only admins make rules. */
export function AlertOnThis({ prefill, what }: { prefill: AlertPrefill; what: string }) {
  const view = useView();
  const user = useSessionUser();
  if (user.role !== "admin") return null;
  return (
    <Link
      href={newAlertHref(view, prefill)}
      aria-label={`Alert on this: ${what}`}
      title={`Make an alert rule on ${what}`}
      className="text-xs whitespace-nowrap text-sky-700 hover:underline dark:text-sky-400"
    >
      Alert on this
    </Link>
  );
}
