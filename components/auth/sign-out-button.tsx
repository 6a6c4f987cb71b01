"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";

export function SignOutButton() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  return (
    <Button
      variant="secondary"
      disabled={busy}
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
    </Button>
  );
}
