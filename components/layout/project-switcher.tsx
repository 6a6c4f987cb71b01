"use client";

import { useEndpoint, useSetParams, useView } from "@/components/data/hooks";
import { projectsRequest } from "@/components/data/requests";

import { Select } from "@/components/ui/input";

export function ProjectSwitcher() {
  const view = useView();
  const setParams = useSetParams();
  const projects = useEndpoint(projectsRequest());
  const list = projects.data?.projects ?? [];
  const known = list.some((p) => p.slug === view.project);
  return (
    <label className="flex items-center gap-1.5 text-sm">
      <span className="text-zinc-500">Project</span>
      <Select
        aria-label="Project"
        value={view.project}
        onChange={(event) =>
          setParams({ project: event.target.value === "default" ? null : event.target.value, cursor: null })
        }
      >
        {!known && <option value={view.project}>{view.project}</option>}
        {list.map((project) => (
          <option key={project.slug} value={project.slug}>
            {project.name}
          </option>
        ))}
      </Select>
    </label>
  );
}
