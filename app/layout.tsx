import type { Metadata } from "next";
import { cookies, headers } from "next/headers";
import type { ReactNode } from "react";
import { readTheme, THEME_COOKIE } from "@/components/layout/theme";
import "./globals.css";

export const metadata: Metadata = {
  title: "Tracedeck",
  description: "Traces, metrics, logs, events and task-pipeline telemetry",
};

// With no choice made, the page follows the system's light or dark preference before first paint.
const FOLLOW_SYSTEM = `if (matchMedia("(prefers-color-scheme: dark)").matches) { document.documentElement.classList.add("dark"); document.documentElement.style.colorScheme = "dark"; }`;

export default async function RootLayout({ children }: { children: ReactNode }) {
  const theme = readTheme((await cookies()).get(THEME_COOKIE)?.value);
  // this answer's script nonce (proxy.ts): the Content-Security-Policy runs no inline script without it
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    <html
      lang="en"
      className={theme === "dark" ? "dark" : undefined}
      style={{ colorScheme: theme === "system" ? undefined : theme }}
      suppressHydrationWarning
    >
      <head>{theme === "system" && <script nonce={nonce} dangerouslySetInnerHTML={{ __html: FOLLOW_SYSTEM }} />}</head>
      <body className="min-h-screen bg-zinc-50 text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        {children}
      </body>
    </html>
  );
}
