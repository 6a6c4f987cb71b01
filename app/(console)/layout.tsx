import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { dashboardSession } from "@/lib/auth/session-api";
import { SESSION_COOKIE } from "@/lib/auth/users";

// Everything under (console) is behind sign-in; the API routes check the session themselves too.
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const session = await dashboardSession((await cookies()).get(SESSION_COOKIE)?.value);
  if ("redirect" in session) redirect(session.redirect);
  return (
    <div className="min-h-screen">
      <header className="flex items-center justify-between border-b border-zinc-200 bg-white px-6 py-3 dark:border-zinc-800 dark:bg-zinc-900">
        <span className="font-semibold">Tracedeck</span>
        <div className="flex items-center gap-4 text-sm text-zinc-500">
          <span>
            {session.user.email} · {session.user.role}
          </span>
          <SignOutButton />
        </div>
      </header>
      {children}
    </div>
  );
}
