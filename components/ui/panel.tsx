import type { ReactNode } from "react";

export function Panel({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section
      aria-label={title}
      className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900"
    >
      <div className="mb-2 flex items-center justify-between gap-2">
        <h2 className="text-sm font-medium text-zinc-600 dark:text-zinc-300">{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function Tiles({
  label,
  tiles,
}: {
  label: string;
  tiles: { name: string; value: string; tone?: "bad" | "warn" }[];
}) {
  return (
    <dl aria-label={label} className="grid grid-cols-2 gap-2 sm:grid-cols-3 lg:grid-cols-6">
      {tiles.map((tile) => (
        <div
          key={tile.name}
          className="rounded-md border border-zinc-200 bg-white px-3 py-2 dark:border-zinc-800 dark:bg-zinc-900"
        >
          <dt className="text-xs text-zinc-500">{tile.name}</dt>
          <dd
            className={`text-xl font-semibold tabular-nums ${tile.tone === "bad" ? "text-red-600 dark:text-red-400" : tile.tone === "warn" ? "text-amber-600 dark:text-amber-400" : ""}`}
          >
            {tile.value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

export const tableClass = "w-full text-sm [&_td]:px-2 [&_th]:px-2";
export const headClass = "text-left text-xs text-zinc-500";
export const rowClass = "border-t border-zinc-100 dark:border-zinc-800";
