import { cookies, headers } from "next/headers";
import Link from "next/link";
import { redirect } from "next/navigation";
import { Suspense, type ReactNode } from "react";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { QueryProvider } from "@/components/data/providers";
import { projectsRequest } from "@/components/data/requests";
import { Nav } from "@/components/layout/nav";
import { OpenTrace } from "@/components/layout/open-trace";
import { ProjectSwitcher } from "@/components/layout/project-switcher";
import { SavedViews } from "@/components/layout/saved-views";
import { SessionProvider } from "@/components/layout/session";
import { readTheme, THEME_COOKIE } from "@/components/layout/theme";
import { ThemeToggle } from "@/components/layout/theme-toggle";
import { TimeRangePicker } from "@/components/layout/time-range-picker";
import { loginPath, PAGE_URL_HEADER } from "@/lib/auth/return-to";
import { Prefetch } from "./prefetch";
import { consoleSession } from "./session";

// Everything under (console) is behind sign-in; the API routes check the session themselves too.
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const session = await consoleSession();
  if ("redirect" in session)
    redirect(session.redirect === "/login" ? loginPath((await headers()).get(PAGE_URL_HEADER)) : session.redirect);
  const theme = readTheme((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <SessionProvider user={session.user}>
      <QueryProvider>
        <div className="min-h-screen">
          <header className="sticky top-0 z-20 border-b border-zinc-200 bg-white/95 backdrop-blur dark:border-zinc-800 dark:bg-zinc-900/95">
            <div className="flex flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2">
              <span className="font-semibold tracking-tight">Tracedeck</span>
              <Suspense>
                <Nav />
              </Suspense>
              <div className="ml-auto flex flex-wrap items-center gap-2">
                <Suspense>
                  <OpenTrace compact />
                </Suspense>
                <Suspense>
                  {/* with the list in hand on the server, the switcher hydrates the same whether or not the page reads it too */}
                  <Prefetch requests={[projectsRequest()]}>
                    <ProjectSwitcher />
                  </Prefetch>
                  <TimeRangePicker />
                  <SavedViews />
                </Suspense>
                <ThemeToggle initial={theme} />
                <Link
                  href="/settings/account"
                  className="text-sm text-zinc-500 hover:underline"
                  title={`signed in as ${session.user.role}: your account`}
                >
                  {session.user.email} · {session.user.role}
                </Link>
                <SignOutButton />
              </div>
            </div>
          </header>
          <main className="px-4 py-6">{children}</main>
        </div>
      </QueryProvider>
    </SessionProvider>
  );
}
