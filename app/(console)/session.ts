import { cookies } from "next/headers";
import { cache } from "react";
import { dashboardSession } from "@/lib/auth/session-api";
import { SESSION_COOKIE } from "@/lib/auth/users";

/** The visitor's session, looked up once per request however many server components ask for it. */
export const consoleSession = cache(async () => dashboardSession((await cookies()).get(SESSION_COOKIE)?.value));

/** Admin-only API answers are worth prefetching only for admins: the API refuses viewers. */
export async function signedInAsAdmin(): Promise<boolean> {
  const session = await consoleSession();
  return "user" in session && session.user.role === "admin";
}
