"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

export function SignOutButton() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      disabled={busy}
      className="rounded border border-zinc-300 px-3 py-1 text-zinc-700 hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:text-zinc-200 dark:hover:bg-zinc-800"
      onClick={() => {
        setBusy(true);
        fetch("/api/v1/auth/logout", { method: "POST" })
          .then(() => {
            router.replace("/login");
            router.refresh();
          })
          // the server did not answer and the session is still open: the button is there for another try
          .catch(() => setBusy(false));
      }}
    >
      Sign out
    </button>
  );
}
