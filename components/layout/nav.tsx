"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEndpoint, useView } from "@/components/data/hooks";
import { alertsRequest } from "@/components/data/requests";
import { viewHref } from "@/components/data/view";
import { useHydrated } from "@/components/ui/browser";

export const SECTIONS = [
  { href: "/", label: "Overview", match: (p: string) => p === "/" || p.startsWith("/services") },
  { href: "/map", label: "Map", match: (p: string) => p.startsWith("/map") },
  { href: "/traces", label: "Traces", match: (p: string) => p.startsWith("/traces") },
  { href: "/explore", label: "Metrics", match: (p: string) => p.startsWith("/explore") },
  { href: "/logs", label: "Logs", match: (p: string) => p.startsWith("/logs") },
  { href: "/events", label: "Events", match: (p: string) => p.startsWith("/events") },
  { href: "/network", label: "Network", match: (p: string) => p.startsWith("/network") },
  { href: "/alerts", label: "Alerts", match: (p: string) => p.startsWith("/alerts") },
  { href: "/publishers", label: "Publishers", match: (p: string) => p.startsWith("/publishers") },
  { href: "/settings", label: "Settings", match: (p: string) => p.startsWith("/settings") },
];

/** How often the header counts firing rules again, on every page. */
const FIRING_REFRESH_MS = 30_000;

/** Sections keep the project and time range: moving between them keeps what you were looking at. */
export function Nav() {
  const pathname = usePathname();
  const view = useView();
  const firing = useFiringCount();
  return (
    <nav aria-label="Sections" className="flex flex-wrap gap-1 text-sm">
      {SECTIONS.map((section) => {
        const active = section.match(pathname);
        const count = section.href === "/alerts" ? firing : 0;
        return (
          <Link
            key={section.href}
            href={viewHref(section.href, view)}
            aria-current={active ? "page" : undefined}
            className={`flex items-center gap-1.5 rounded-md px-2.5 py-1.5 ${active ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900" : "text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"}`}
          >
            {section.label}
            {count > 0 && <FiringBadge count={count} />}
          </Link>
        );
      })}
    </nav>
  );
}

/**
 * Rules of the project firing now; 0 until known. Read in the browser only: the page's own answer (the Alerts page
 * prefetches the same request) may reach the cache before or after the header hydrates, and both must agree.
 */
function useFiringCount(): number {
  const view = useView();
  const hydrated = useHydrated();
  const alerts = useEndpoint(hydrated ? alertsRequest(view) : null, { refetchInterval: FIRING_REFRESH_MS });
  return hydrated ? (alerts.data?.firing ?? 0) : 0;
}

function FiringBadge({ count }: { count: number }) {
  const label = `${count} firing`;
  return (
    <span
      data-testid="firing-count"
      title={label}
      className="min-w-5 rounded-full bg-red-600 px-1.5 text-center text-xs leading-5 font-semibold text-white tabular-nums"
    >
      <span aria-hidden>{count}</span>
      <span className="sr-only"> ({label})</span>
    </span>
  );
}
