"use client";

import { useState } from "react";
import { Button } from "./button";

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  return (
    <Button
      variant="secondary"
      size="sm"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied("yes");
        } catch {
          setCopied("no");
        }
        setTimeout(() => setCopied(null), 2000);
      }}
    >
      {copied === "yes" ? "Copied" : copied === "no" ? "Select and copy by hand" : label}
    </Button>
  );
}
