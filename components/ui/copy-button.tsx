"use client";

import { useState } from "react";
import { Button } from "./button";

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
    setTimeout(() => setCopied(null), 2000);
  }
  return (
    <Button variant="secondary" size="sm" onClick={() => void copy()}>
      {copied === "yes" ? "Copied" : copied === "no" ? "Select and copy by hand" : label}
    </Button>
  );
}
