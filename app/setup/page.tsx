import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { CredentialsForm } from "@/components/auth/credentials-form";
import { dashboardSession } from "@/lib/auth/session-api";
import { SESSION_COOKIE } from "@/lib/auth/users";

export default async function SetupPage() {
  const session = await dashboardSession((await cookies()).get(SESSION_COOKIE)?.value);
  if ("user" in session) redirect("/");
  if (session.redirect === "/login") redirect("/login");
  return (
    <main className="mx-auto max-w-sm px-6 py-16">
      <h1 className="text-2xl font-bold">Welcome to Tracedeck</h1>
      <p className="mt-2 text-sm text-zinc-500">
        Create the first account. It is an admin: it manages projects, keys and users.
      </p>
      <CredentialsForm
        action="/api/v1/auth/setup"
        submitLabel="Create admin account"
        passwordAutoComplete="new-password"
      />
    </main>
  );
}
