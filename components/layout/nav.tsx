"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useView } from "@/components/data/hooks";
import { viewHref } from "@/components/data/view";

export const SECTIONS = [
  { href: "/", label: "Overview", match: (p: string) => p === "/" || p.startsWith("/services") },
  { href: "/map", label: "Map", match: (p: string) => p.startsWith("/map") },
  { href: "/traces", label: "Traces", match: (p: string) => p.startsWith("/traces") },
  { href: "/explore", label: "Metrics", match: (p: string) => p.startsWith("/explore") },
  { href: "/logs", label: "Logs", match: (p: string) => p.startsWith("/logs") },
  { href: "/events", label: "Events", match: (p: string) => p.startsWith("/events") },
  { href: "/network", label: "Network", match: (p: string) => p.startsWith("/network") },
  { href: "/publishers", label: "Publishers", match: (p: string) => p.startsWith("/publishers") },
  { href: "/settings", label: "Settings", match: (p: string) => p.startsWith("/settings") },
];

/** Sections keep the project and time range: moving between them keeps what you were looking at. */
export function Nav() {
  const pathname = usePathname();
  const view = useView();
  return (
    <nav aria-label="Sections" className="flex flex-wrap gap-1 text-sm">
      {SECTIONS.map((section) => {
        const active = section.match(pathname);
        return (
          <Link
            key={section.href}
            href={viewHref(section.href, view)}
            aria-current={active ? "page" : undefined}
            className={`rounded-md px-2.5 py-1.5 ${active ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900" : "text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"}`}
          >
            {section.label}
          </Link>
        );
      })}
    </nav>
  );
}
