"use client";

import type { UseMutationResult } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useHydrated } from "@/components/ui/browser";
import { Button } from "@/components/ui/button";
import { ActionError } from "@/components/ui/states";

type Action = Pick<UseMutationResult<unknown, Error, void>, "mutate" | "reset" | "isPending" | "error">;

/**
 * An admin's buttons on a rule's or a channel's row: its own (`children`), then Enable/Disable and Delete, which
 * asks once more before it deletes; what failed is said under them.
 */
export function RowActions({
  name,
  enabled,
  toggle,
  remove,
  children,
  notes,
}: {
  name: string;
  enabled: boolean;
  toggle: Action;
  remove: Action;
  children: ReactNode;
  /** what the row's own buttons have to say (a test's result, their errors) */
  notes?: ReactNode;
}) {
  const hydrated = useHydrated();
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      {confirming ? (
        <span className="flex flex-wrap gap-1">
          <Button variant="danger" size="sm" disabled={remove.isPending} onClick={() => remove.mutate()}>
            Confirm delete
          </Button>
          <Button variant="secondary" size="sm" onClick={() => (setConfirming(false), remove.reset())}>
            Cancel
          </Button>
        </span>
      ) : (
        <span className="flex flex-wrap gap-1">
          {children}
          <Button
            variant="secondary"
            size="sm"
            disabled={!hydrated || toggle.isPending}
            aria-label={`${enabled ? "Disable" : "Enable"} ${name}`}
            onClick={() => toggle.mutate()}
          >
            {enabled ? "Disable" : "Enable"}
          </Button>
          <Button
            variant="secondary"
            size="sm"
            disabled={!hydrated}
            aria-label={`Delete ${name}`}
            onClick={() => setConfirming(true)}
          >
            Delete
          </Button>
        </span>
      )}
      {notes}
      {toggle.error && <ActionError action={enabled ? "disable it" : "enable it"} error={toggle.error} />}
      {remove.error && <ActionError action="delete it" error={remove.error} />}
    </>
  );
}
