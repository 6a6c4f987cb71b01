"use client";

import { useInfiniteQuery, useQuery, type UseQueryOptions } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
import { apiPagesQueryKey, apiQueryKey, fetchApi, pageUrl } from "./api";
import { readView, type View } from "./view";

/** An API answer by URL; the server prefetched the first screen under the same key. */
export function useApi<T>(url: string | null, options: Partial<UseQueryOptions<T>> = {}) {
  return useQuery<T>({
    queryKey: apiQueryKey(url ?? ""),
    queryFn: ({ signal }) => fetchApi<T>(url!, { signal }),
    enabled: url !== null,
    ...options,
  });
}

/** A list the API pages with cursors, read page after page. */
export function useApiPages<T extends { next_cursor: string | null }>(url: string) {
  return useInfiniteQuery({
    queryKey: apiPagesQueryKey(url),
    queryFn: ({ pageParam, signal }) => fetchApi<T>(pageUrl(url, pageParam), { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last: T) => last.next_cursor,
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
