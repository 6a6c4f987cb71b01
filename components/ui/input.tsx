import type { ComponentProps } from "react";

// Text inputs, selects and text areas look alike in every form, as tall as a button of size md.
const FIELD = "rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-950";

const field = (className: string | undefined) => (className ? `${FIELD} ${className}` : FIELD);

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input className={field(className)} {...props} />;
}

export function Select({ className, ...props }: ComponentProps<"select">) {
  return <select className={field(className)} {...props} />;
}

export function Textarea({ className, ...props }: ComponentProps<"textarea">) {
  return <textarea className={field(className)} {...props} />;
}
