import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { CredentialsForm } from "@/components/auth/credentials-form";
import { returnPath } from "@/lib/auth/return-to";
import { dashboardSession } from "@/lib/auth/session-api";
import { SESSION_COOKIE } from "@/lib/auth/users";

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const next = (await searchParams).next;
  // the page that sent the visitor here, opened again once signed in
  const then = returnPath(typeof next === "string" ? next : null);
  const session = await dashboardSession((await cookies()).get(SESSION_COOKIE)?.value);
  if ("user" in session) redirect(then);
  if (session.redirect === "/setup") redirect("/setup");
  return (
    <main className="mx-auto max-w-sm px-6 py-16">
      <h1 className="text-2xl font-bold">Sign in to Tracedeck</h1>
      <CredentialsForm
        action="/api/v1/auth/login"
        submitLabel="Sign in"
        passwordAutoComplete="current-password"
        then={then}
      />
    </main>
  );
}
