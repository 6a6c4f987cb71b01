"use client";

import { useInfiniteQuery, useQuery, type UseQueryOptions } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
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
