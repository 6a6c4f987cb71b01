"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useView } from "@/components/data/hooks";
import { viewHref } from "@/components/data/view";

const PAGES = [
  { href: "/settings", label: "Projects" },
  { href: "/settings/keys", label: "API keys" },
  { href: "/settings/users", label: "Users" },
  { href: "/settings/storage", label: "Storage" },
  { href: "/settings/account", label: "Your account" },
];

/** Moving between settings pages keeps the project: API keys are the current project's. */
export function SettingsNav() {
  const pathname = usePathname();
  const view = useView();
  return (
    <nav aria-label="Settings" className="flex gap-1 border-b border-zinc-200 text-sm dark:border-zinc-800">
      {PAGES.map((page) => {
        const active = pathname === page.href;
        return (
          <Link
            key={page.href}
            href={viewHref(page.href, view)}
            aria-current={active ? "page" : undefined}
            className={`-mb-px border-b-2 px-3 py-2 ${active ? "border-sky-600 font-medium text-zinc-900 dark:border-sky-400 dark:text-zinc-100" : "border-transparent text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100"}`}
          >
            {page.label}
          </Link>
        );
      })}
    </nav>
  );
}
