"use client";

import { useEndpoint, useSetParams, useView } from "@/components/data/hooks";
import { projectsRequest } from "@/components/data/requests";

export function ProjectSwitcher() {
  const view = useView();
  const setParams = useSetParams();
  const projects = useEndpoint(projectsRequest());
  const list = projects.data?.projects ?? [];
  const known = list.some((p) => p.slug === view.project);
  return (
    <label className="flex items-center gap-1.5 text-sm">
      <span className="text-zinc-500">Project</span>
      <select
        aria-label="Project"
        value={view.project}
        onChange={(event) =>
          setParams({ project: event.target.value === "default" ? null : event.target.value, cursor: null })
        }
        className="rounded-md border border-zinc-300 bg-white px-2 py-1.5 dark:border-zinc-700 dark:bg-zinc-900"
      >
        {!known && <option value={view.project}>{view.project}</option>}
        {list.map((project) => (
          <option key={project.slug} value={project.slug}>
            {project.name}
          </option>
        ))}
      </select>
    </label>
  );
}
