// The look the settings forms and tables share, so the three pages read as one section.

export const panel = "rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900";
export const tableHead = "border-b border-zinc-200 text-left text-xs text-zinc-500 dark:border-zinc-800";
export const tableRow = "border-b border-zinc-100 last:border-0 dark:border-zinc-800";
export const cell = "px-3 py-2";
