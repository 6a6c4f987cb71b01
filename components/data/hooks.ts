"use client";

import { useInfiniteQuery, useQuery, type UseQueryOptions } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo } from "react";
import type { EndpointName } from "@/lib/api/routes";
import {
  apiPagesQueryKey,
  endpointKey,
  endpointUrl,
  fetchApi,
  pageUrl,
  type AnswerOf,
  type EndpointRequest,
  type PagedEndpoint,
} from "./api";
import { traceRequest, traceSpansRequest } from "./requests";
import type { Trace } from "./types";
import { readView, type View } from "./view";

/**
 * An endpoint's answer, typed by its declaration; `null` waits. The server prefetched the first
 * screen under the same key.
 */
export function useEndpoint<N extends EndpointName>(
  call: EndpointRequest<N> | null,
  options: Partial<UseQueryOptions<AnswerOf<N>>> = {},
) {
  return useQuery<AnswerOf<N>>({
    ...(call ? endpointQuery(call) : { queryKey: ["api", null] }),
    enabled: call !== null,
    ...options,
  });
}

/** The react-query key and fetch of a request (for `useQueries` over several requests of one endpoint). */
export function endpointQuery<N extends EndpointName>(call: EndpointRequest<N>) {
  const url = endpointUrl(call);
  return {
    queryKey: endpointKey(call),
    queryFn: ({ signal }: { signal: AbortSignal }) => fetchApi<AnswerOf<N>>(url, { signal }),
  };
}

/** A list the API pages with cursors, read page after page (endless scroll). */
export function useEndpointPages<N extends PagedEndpoint>(call: EndpointRequest<N>) {
  const url = endpointUrl(call);
  return useInfiniteQuery({
    queryKey: apiPagesQueryKey(url),
    queryFn: ({ pageParam, signal }) => fetchApi<AnswerOf<N>>(pageUrl(url, pageParam), { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last: AnswerOf<N>): string | null => last.next_cursor,
  });
}

/** A trace as it loads: its first page at once (the server prefetched it), then the rest page after page. */
export interface LoadingTrace {
  /** the trace with the spans loaded so far; undefined until the first page came */
  trace: Trace | undefined;
  error: Error | null;
  isLoading: boolean;
  /** spans loaded, of `trace.span_count` */
  loaded: number;
  /** every page has come */
  complete: boolean;
  /** asks for the trace again (after an error) */
  refetch: () => void;
}

/**
 * A whole trace, however long: its top first (the earliest spans by start, which hold the root and the first
 * levels of the tree; a short trace whole), then, for a long one, all its spans page by page (by span id), the
 * ones already shown left out, while the page shows what has come.
 */
export function useTrace(view: View, traceId: string): LoadingTrace {
  const first = useEndpoint(traceRequest(view, traceId), { staleTime: Infinity });
  const more = first.data !== undefined && first.data.spans.length < first.data.span_count;
  const url = endpointUrl(traceSpansRequest(view, traceId));
  const rest = useInfiniteQuery({
    queryKey: apiPagesQueryKey(url),
    queryFn: ({ pageParam, signal }) => fetchApi<Trace>(pageUrl(url, pageParam), { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last: Trace): string | null => last.next_cursor,
    enabled: more,
    staleTime: Infinity,
  });
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = rest;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const pages = rest.data?.pages;
  const trace = useMemo(() => {
    if (!first.data) return undefined;
    if (!pages?.length) return first.data;
    const key = (s: Trace["spans"][number]) => `${s.span_id}/${s.start_time_unix_nano}`;
    const shown = new Set(first.data.spans.map(key));
    const spans = first.data.spans.slice();
    for (const page of pages) for (const span of page.spans) if (!shown.has(key(span))) spans.push(span);
    return { ...first.data, spans };
  }, [first.data, pages]);
  return {
    trace,
    error: first.error ?? rest.error,
    isLoading: first.isLoading,
    loaded: trace?.spans.length ?? 0,
    complete: first.data !== undefined && (!more || (rest.isSuccess && !hasNextPage)),
    refetch: () => void (first.error ? first.refetch() : rest.refetch()),
  };
}

export function useView(): View {
  const params = useSearchParams();
  return useMemo(() => readView(params), [params]);
}

/** Changes some URL parameters of the current page (null removes one); the view follows the URL. */
export function useSetParams() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  return useCallback(
    (patch: Record<string, string | string[] | null>, { replace = false }: { replace?: boolean } = {}) => {
      const next = new URLSearchParams(params.toString());
      for (const [key, value] of Object.entries(patch)) {
        next.delete(key);
        if (value === null || value === "") continue;
        if (Array.isArray(value)) for (const item of value) next.append(key, item);
        else next.set(key, value);
      }
      const query = next.toString();
      const href = query ? `${pathname}?${query}` : pathname;
      if (replace) router.replace(href, { scroll: false });
      else router.push(href, { scroll: false });
    },
    [params, pathname, router],
  );
}
