// The look the settings forms and tables share, so the three pages read as one section.

export const panel = "rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900";
export const input =
  "rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-950";
export const primaryButton =
  "rounded-md bg-sky-600 px-4 py-1.5 text-sm text-white hover:bg-sky-700 disabled:opacity-50";
export const quietButton =
  "rounded-md border border-zinc-300 px-2.5 py-1 text-xs hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800";
export const dangerButton = "rounded-md bg-red-600 px-2.5 py-1 text-xs text-white hover:bg-red-700 disabled:opacity-50";
export const tableHead = "border-b border-zinc-200 text-left text-xs text-zinc-500 dark:border-zinc-800";
export const tableRow = "border-b border-zinc-100 last:border-0 dark:border-zinc-800";
export const cell = "px-3 py-2";
