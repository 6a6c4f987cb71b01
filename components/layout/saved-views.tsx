"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { endpointKey, request, sendEndpoint } from "@/components/data/api";
import { useEndpoint, useView } from "@/components/data/hooks";
import { viewsRequest } from "@/components/data/requests";
import type { SavedView } from "@/components/data/types";
import { useSessionUser } from "@/components/layout/session";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { ActionError, QueryState } from "@/components/ui/states";

// Saved views: the page as it is (its path, filters and time range) under a name, for everyone who reads the
// project. A view is its URL: opening one opens that URL in this project.

/** The address a view opens: its page and query, in the project shown. */
function viewUrl(saved: SavedView, project: string): string {
  const params = new URLSearchParams(saved.query);
  if (project !== "default") params.set("project", project);
  const query = params.toString();
  return query ? `${saved.path}?${query}` : saved.path;
}

export function SavedViews() {
  const [open, setOpen] = useState(false);
  return (
    <div className="relative">
      <Button variant="secondary" size="sm" aria-expanded={open} onClick={() => setOpen(!open)}>
        Views
      </Button>
      {open && (
        <div
          role="dialog"
          aria-label="Saved views"
          className="absolute right-0 z-30 mt-1 w-96 rounded-lg border border-zinc-200 bg-white p-3 text-sm shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
        >
          <ViewsPanel onOpen={() => setOpen(false)} />
        </div>
      )}
    </div>
  );
}

function ViewsPanel({ onOpen }: { onOpen: () => void }) {
  const view = useView();
  const pathname = usePathname();
  const params = useSearchParams();
  const queryClient = useQueryClient();
  const views = useEndpoint(viewsRequest(view));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: endpointKey(viewsRequest(view)) });
  const save = useMutation({
    mutationFn: (name: string) => {
      const query = new URLSearchParams(params.toString());
      query.delete("project");
      return sendEndpoint(request("createView", { query: { project: view.project } }), {
        name,
        path: pathname,
        query: query.toString(),
      });
    },
    onSuccess: refresh,
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const name = String(new FormData(form).get("name") ?? "").trim();
    if (name) save.mutate(name, { onSuccess: () => form.reset() });
  };
  return (
    <div className="space-y-3">
      <form aria-label="Save this view" onSubmit={submit} className="flex gap-2">
        <Input name="name" placeholder="Name this page's view" aria-label="View name" className="flex-1" required />
        <Button type="submit" size="sm" disabled={save.isPending}>
          Save
        </Button>
      </form>
      {save.error && <ActionError action="save the view" error={save.error} />}
      <QueryState query={views} what="saved views">
        {({ views: list }) =>
          list.length === 0 ? (
            <p className="text-zinc-500">No saved views in this project yet.</p>
          ) : (
            <ul aria-label="Views of this project" className="max-h-80 space-y-1 overflow-y-auto">
              {list.map((saved) => (
                <ViewRow key={saved.id} saved={saved} onOpen={onOpen} onChange={refresh} />
              ))}
            </ul>
          )
        }
      </QueryState>
    </div>
  );
}

function ViewRow({ saved, onOpen, onChange }: { saved: SavedView; onOpen: () => void; onChange: () => void }) {
  const view = useView();
  const user = useSessionUser();
  const [renaming, setRenaming] = useState(false);
  const target = { params: { id: saved.id }, query: { project: view.project } };
  const rename = useMutation({
    mutationFn: (name: string) => sendEndpoint(request("renameView", target), { name }),
    onSuccess: () => (setRenaming(false), onChange()),
  });
  const remove = useMutation({ mutationFn: () => sendEndpoint(request("deleteView", target)), onSuccess: onChange });
  const mayChange = saved.created_by_you || user.role === "admin";
  return (
    <li data-view={saved.name} className="rounded px-1 py-0.5 hover:bg-zinc-50 dark:hover:bg-zinc-800/60">
      {renaming ? (
        <form
          aria-label={`Rename ${saved.name}`}
          className="flex gap-1"
          onSubmit={(event) => {
            event.preventDefault();
            const name = String(new FormData(event.currentTarget).get("name") ?? "").trim();
            if (name) rename.mutate(name);
          }}
        >
          <Input name="name" defaultValue={saved.name} aria-label="New name" className="flex-1" autoFocus />
          <Button type="submit" size="sm" disabled={rename.isPending}>
            Rename
          </Button>
          <Button variant="ghost" size="sm" onClick={() => setRenaming(false)}>
            Cancel
          </Button>
        </form>
      ) : (
        <div className="flex items-center gap-2">
          <Link
            href={viewUrl(saved, view.project)}
            onClick={onOpen}
            className="min-w-0 flex-1 truncate text-sky-700 hover:underline dark:text-sky-400"
            title={`${saved.path}${saved.query ? `?${saved.query}` : ""}`}
          >
            {saved.name}
          </Link>
          <span className="shrink-0 text-xs text-zinc-500">{saved.path}</span>
          {mayChange && (
            <>
              <Button variant="ghost" size="sm" aria-label={`Rename ${saved.name}`} onClick={() => setRenaming(true)}>
                ✎
              </Button>
              <Button
                variant="ghost"
                size="sm"
                aria-label={`Delete ${saved.name}`}
                disabled={remove.isPending}
                onClick={() => remove.mutate()}
              >
                ×
              </Button>
            </>
          )}
        </div>
      )}
      {rename.error && <ActionError action="rename the view" error={rename.error} />}
      {remove.error && <ActionError action="delete the view" error={remove.error} />}
    </li>
  );
}
