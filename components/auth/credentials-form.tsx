"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

interface Props {
  /** the API endpoint the form posts to */
  action: "/api/v1/auth/login" | "/api/v1/auth/setup";
  submitLabel: string;
  passwordAutoComplete: "current-password" | "new-password";
  /** the dashboard page opened on success (a path of this site, checked by the page) */
  then?: string;
}

/** Email and password, posted as JSON; on success the session cookie is set and the dashboard opens. */
export function CredentialsForm({ action, submitLabel, passwordAutoComplete, then = "/" }: Props) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const response = await fetch(action, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: form.get("email"), password: form.get("password") }),
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        setError(body?.error?.message ?? `The server answered ${response.status}.`);
        return;
      }
      router.replace(then);
      router.refresh();
    } catch {
      setError("Tracedeck did not answer; check that the server is running.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="mt-6 space-y-4">
      <label className="block text-sm font-medium">
        Email
        <Input name="email" type="email" required autoComplete="email" className="mt-1 w-full" />
      </label>
      <label className="block text-sm font-medium">
        Password
        <Input
          name="password"
          type="password"
          required
          minLength={passwordAutoComplete === "new-password" ? 12 : undefined}
          autoComplete={passwordAutoComplete}
          className="mt-1 w-full"
        />
      </label>
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
      <Button type="submit" disabled={busy} className="w-full">
        {busy ? "…" : submitLabel}
      </Button>
    </form>
  );
}
