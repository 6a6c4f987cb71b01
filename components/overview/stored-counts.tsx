import type { StoredCounts } from "@/lib/query/overview";

const SIGNALS: { key: keyof StoredCounts; label: string }[] = [
  { key: "spans", label: "Spans" },
  { key: "traces", label: "Traces" },
  { key: "metrics", label: "Metric points" },
  { key: "logs", label: "Logs" },
  { key: "events", label: "Events" },
  { key: "pipelineEvents", label: "Pipeline events" },
  { key: "networkOps", label: "Network operations" },
];

const format = new Intl.NumberFormat("en");

export function StoredCountsCard({ project }: { project: StoredCounts }) {
  return (
    <section aria-label={`Project ${project.name}`} className="rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
      <h2 className="text-lg font-semibold">
        {project.name} <span className="text-sm font-normal text-zinc-500">({project.slug})</span>
      </h2>
      <dl className="mt-4 grid grid-cols-2 gap-4 sm:grid-cols-4 lg:grid-cols-7">
        {SIGNALS.map(({ key, label }) => (
          <div key={key} data-signal={key} className="flex flex-col justify-between">
            <dt className="text-xs uppercase tracking-wide text-zinc-500">{label}</dt>
            <dd className="mt-1 text-2xl font-semibold tabular-nums">{format.format(project[key] as number)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
