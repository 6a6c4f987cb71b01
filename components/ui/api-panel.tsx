"use client";

import type { ReactNode } from "react";
import type { AnswerOf, EndpointRequest } from "@/components/data/api";
import { useEndpoint } from "@/components/data/hooks";
import type { EndpointName } from "@/lib/api/routes";
import { Panel } from "./panel";
import { EmptyState, QueryState } from "./states";

/** A titled panel showing one API list: loading, the error, what to say when empty, or the list. */
export function ApiListPanel<N extends EndpointName>({
  title,
  call,
  what,
  items,
  empty,
  children,
}: {
  title: string;
  call: EndpointRequest<N>;
  what: string;
  items: (data: AnswerOf<N>) => unknown[];
  empty: string;
  children: (data: AnswerOf<N>) => ReactNode;
}) {
  const query = useEndpoint(call);
  return (
    <Panel title={title}>
      <QueryState query={query} what={what}>
        {(data) => (items(data).length === 0 ? <EmptyState title={empty} /> : children(data))}
      </QueryState>
    </Panel>
  );
}
