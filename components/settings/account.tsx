"use client";

import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { request, sendEndpoint } from "@/components/data/api";
import { useSessionUser } from "@/components/layout/session";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { ActionError } from "@/components/ui/states";
import { panel } from "./controls";

/** The signed-in account: who it is, and changing its password. */
export function AccountSettings() {
  const user = useSessionUser();
  return (
    <div className="space-y-6">
      <div>
        <h2 className="text-lg font-semibold">Your account</h2>
        <p className="text-sm text-zinc-500">
          Signed in as <b>{user.email}</b> ({user.role}).
        </p>
      </div>
      <ChangePasswordForm />
    </div>
  );
}

function ChangePasswordForm() {
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) =>
      sendEndpoint(request("authChangePassword", {}), body),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const newPassword = String(data.get("new_password") ?? "");
    const repeated = newPassword === String(data.get("repeat_password") ?? "");
    setMismatch(!repeated);
    if (!repeated) return;
    change.mutate(
      { current_password: String(data.get("current_password") ?? ""), new_password: newPassword },
      { onSuccess: () => form.reset() },
    );
  };

  return (
    <section aria-labelledby="password-heading" className={`${panel} max-w-md space-y-3 p-4`}>
      <h3 id="password-heading" className="font-medium">
        Change password
      </h3>
      <form aria-label="Change password" onSubmit={submit} className="space-y-3 text-sm">
        <label className="flex flex-col gap-0.5">
          Current password
          <Input name="current_password" type="password" required autoComplete="current-password" />
        </label>
        <label className="flex flex-col gap-0.5">
          New password
          <Input name="new_password" type="password" required minLength={12} autoComplete="new-password" />
        </label>
        <label className="flex flex-col gap-0.5">
          Repeat the new password
          <Input name="repeat_password" type="password" required minLength={12} autoComplete="new-password" />
        </label>
        <Button type="submit" disabled={change.isPending}>
          Change password
        </Button>
      </form>
      <p className="text-xs text-zinc-500">
        At least 12 characters, and not a common password. Changing it signs this account out everywhere else.
      </p>
      {mismatch && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          The new password and its repetition differ.
        </p>
      )}
      {change.error && <ActionError action="change the password" error={change.error} />}
      {change.isSuccess && (
        <p role="status" className="text-sm">
          Password changed. Other sessions of this account have ended.
        </p>
      )}
    </section>
  );
}
