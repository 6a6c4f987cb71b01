import { connection } from "next/server";
import { getDatabase } from "@/db";
import { StoredCountsCard } from "@/components/overview/stored-counts";
import { countStored, type StoredCounts } from "@/lib/query/overview";

async function loadCounts(): Promise<{ projects: StoredCounts[] } | { error: string }> {
  try {
    const database = await getDatabase();
    return { projects: await countStored({ db: database.db }) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export default async function HomePage() {
  await connection();
  const result = await loadCounts();
  return (
    <main className="mx-auto max-w-6xl px-6 py-10">
      <h1 className="text-3xl font-bold tracking-tight">Tracedeck</h1>
      <p className="mt-1 text-zinc-500">Telemetry stored in this instance, by project.</p>
      <div className="mt-8 space-y-6">
        {"error" in result ? (
          <p role="alert" className="rounded border border-red-300 bg-red-50 p-4 text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
            The database is unavailable: {result.error}
          </p>
        ) : (
          result.projects.map((project) => <StoredCountsCard key={project.projectId} project={project} />)
        )}
      </div>
    </main>
  );
}
