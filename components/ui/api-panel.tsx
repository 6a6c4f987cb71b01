"use client";

import type { ReactNode } from "react";
import { useApi } from "@/components/data/hooks";
import { Panel } from "./panel";
import { EmptyState, QueryState } from "./states";

/** A titled panel showing one API list: loading, the error, what to say when empty, or the list. */
export function ApiListPanel<T>({
  title,
  url,
  what,
  items,
  empty,
  children,
}: {
  title: string;
  url: string;
  what: string;
  items: (data: T) => unknown[];
  empty: string;
  children: (data: T) => ReactNode;
}) {
  const query = useApi<T>(url);
  return (
    <Panel title={title}>
      <QueryState query={query} what={what}>
        {(data) => (items(data).length === 0 ? <EmptyState title={empty} /> : children(data))}
      </QueryState>
    </Panel>
  );
}
