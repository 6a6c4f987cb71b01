"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState, type FormEvent } from "react";
import { endpointKey, request, sendEndpoint } from "@/components/data/api";
import { useEndpoint, useView } from "@/components/data/hooks";
import type { Project } from "@/components/data/types";
import { projectsRequest } from "@/components/data/requests";
import { viewHref } from "@/components/data/view";
import { useSessionUser } from "@/components/layout/session";
import { useHydrated, useOrigin } from "@/components/ui/browser";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { Input } from "@/components/ui/input";
import { ActionError, EmptyState, QueryState } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { cell, panel, tableHead, tableRow } from "./controls";

export function ProjectsSettings() {
  const user = useSessionUser();
  const projects = useEndpoint(projectsRequest());
  const admin = user.role === "admin";
  return (
    <div className="space-y-6">
      <div>
        <h2 className="text-lg font-semibold">Projects</h2>
        <p className="text-sm text-zinc-500">Each project keeps its own telemetry and its own API keys.</p>
      </div>
      <QueryState query={projects} what="projects">
        {({ projects: list }) =>
          list.length === 0 ? <EmptyState title="No projects yet" /> : <ProjectTable projects={list} admin={admin} />
        }
      </QueryState>
      {admin && <NewProjectForm />}
    </div>
  );
}

function ProjectTable({ projects, admin }: { projects: Project[]; admin: boolean }) {
  return (
    <div className={`overflow-x-auto ${panel}`}>
      <table aria-label="Projects" className="w-full text-sm">
        <thead className={tableHead}>
          <tr>
            <th className={`${cell} font-medium`}>Name</th>
            <th className={`${cell} font-medium`}>Slug</th>
            <th className={`${cell} font-medium`}>Created</th>
            {admin && <th className={`${cell} font-medium`}>Prometheus</th>}
            {admin && (
              <th className={`${cell} font-medium`}>
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {projects.map((project) => (
            <ProjectRow key={project.slug} project={project} admin={admin} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ProjectRow({ project, admin }: { project: Project; admin: boolean }) {
  const view = useView();
  const queryClient = useQueryClient();
  const [renaming, setRenaming] = useState(false);
  const rename = useMutation({
    mutationFn: (name: string) => sendEndpoint(projectUpdate(project.slug), { name }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: endpointKey(projectsRequest()) });
      setRenaming(false);
    },
  });
  const current = project.slug === view.project;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    rename.mutate(String(new FormData(event.currentTarget).get("name") ?? ""));
  };

  return (
    <tr data-project={project.slug} className={tableRow}>
      <td className={cell}>
        {renaming ? (
          <form aria-label={`Rename ${project.slug}`} onSubmit={submit} className="flex flex-wrap items-center gap-2">
            <Input name="name" aria-label="New name" defaultValue={project.name} required maxLength={200} autoFocus />
            <Button type="submit" disabled={rename.isPending}>
              Save
            </Button>
            <Button
              variant="secondary"
              size="sm"
              onClick={() => {
                setRenaming(false);
                rename.reset();
              }}
            >
              Cancel
            </Button>
            {rename.error && <ActionError action="rename the project" error={rename.error} />}
          </form>
        ) : (
          <span className="flex items-center gap-2">
            <Link
              href={viewHref("/", { ...view, project: project.slug })}
              className="font-medium text-sky-700 hover:underline dark:text-sky-400"
              title={`Open ${project.name}`}
            >
              {project.name}
            </Link>
            {current && (
              <span className="rounded-full bg-zinc-100 px-2 py-0.5 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
                current
              </span>
            )}
          </span>
        )}
      </td>
      <td className={`${cell} font-mono text-xs`}>{project.slug}</td>
      <td className={`${cell} tabular-nums text-zinc-600 dark:text-zinc-400`}>
        <Time iso={project.created_at} precision="minute" />
      </td>
      {admin && (
        <td className={cell}>
          <PublicMetricsToggle project={project} />
        </td>
      )}
      {admin && (
        <td className={`${cell} text-right`}>
          {!renaming && (
            <Button
              variant="secondary"
              size="sm"
              aria-label={`Rename ${project.name}`}
              onClick={() => setRenaming(true)}
            >
              Rename
            </Button>
          )}
        </td>
      )}
    </tr>
  );
}

/** An admin lets a Prometheus that cannot send a key scrape the project's /metrics. */
function PublicMetricsToggle({ project }: { project: Project }) {
  const id = useId();
  const origin = useOrigin();
  // a click before hydration would flip the box without saving anything
  const hydrated = useHydrated();
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: (publicMetrics: boolean) =>
      sendEndpoint(projectUpdate(project.slug), { public_metrics: publicMetrics }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: endpointKey(projectsRequest()) }),
  });
  // The new state shows from the click on (set in the same event, so the box does not flip back
  // before the mutation's own state arrives) until it is saved and the list is read again.
  const [chosen, setChosen] = useState<boolean | null>(null);
  const on = chosen ?? project.public_metrics;
  const change = (publicMetrics: boolean) => {
    setChosen(publicMetrics);
    toggle.mutate(publicMetrics, { onSettled: () => setChosen(null) });
  };
  const scrapeRequest = `${origin}/metrics?project=${encodeURIComponent(project.slug)}`;
  return (
    <div className="space-y-1">
      <span className="flex items-baseline gap-1.5">
        <input
          id={id}
          type="checkbox"
          checked={on}
          disabled={!hydrated || toggle.isPending}
          onChange={(event) => change(event.target.checked)}
        />
        <label htmlFor={id}>
          Public /metrics <span className="text-xs text-zinc-500">(Prometheus can scrape it without a key)</span>
        </label>
      </span>
      {on && (
        <span className="flex flex-wrap items-center gap-2 text-xs">
          <code className="font-mono">{scrapeRequest}</code>
          <CopyButton text={scrapeRequest} label="Copy URL" />
        </span>
      )}
      {toggle.error && <ActionError action="change public /metrics" error={toggle.error} />}
    </div>
  );
}

function NewProjectForm() {
  const view = useView();
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: (project: { slug: string; name: string }) => sendEndpoint(request("createProject", {}), project),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: endpointKey(projectsRequest()) }),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    create.mutate(
      { slug: String(data.get("slug") ?? "").trim(), name: String(data.get("name") ?? "") },
      { onSuccess: () => form.reset() },
    );
  };

  return (
    <section aria-labelledby="new-project-heading" className={`${panel} space-y-3 p-4`}>
      <h3 id="new-project-heading" className="font-medium">
        New project
      </h3>
      <form aria-label="New project" onSubmit={submit} className="flex flex-wrap items-end gap-3 text-sm">
        <label className="flex flex-col gap-0.5">
          Slug
          <Input
            name="slug"
            required
            autoComplete="off"
            spellCheck={false}
            placeholder="shop-prod"
            className="font-mono"
          />
        </label>
        <label className="flex flex-col gap-0.5">
          Name
          <Input name="name" required maxLength={200} autoComplete="off" placeholder="Shop (production)" />
        </label>
        <Button type="submit" disabled={create.isPending}>
          Create project
        </Button>
      </form>
      <p className="text-xs text-zinc-500">
        The slug names the project in URLs and API calls and cannot be changed later: lowercase letters, digits and
        dashes.
      </p>
      {create.error && <ActionError action="create the project" error={create.error} />}
      {create.data && (
        <p role="status" className="text-sm">
          Created <b>{create.data.name}</b>.{" "}
          <Link
            href={viewHref("/", { ...view, project: create.data.slug })}
            className="text-sky-700 hover:underline dark:text-sky-400"
          >
            Switch to project {create.data.slug}
          </Link>{" "}
          or{" "}
          <Link
            href={viewHref("/settings/keys", { ...view, project: create.data.slug })}
            className="text-sky-700 hover:underline dark:text-sky-400"
          >
            create its API keys
          </Link>
          .
        </p>
      )}
    </section>
  );
}

const projectUpdate = (slug: string) => request("updateProject", { params: { slug } });
