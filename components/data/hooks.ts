"use client";

import { useInfiniteQuery, useQuery, type UseQueryOptions } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
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
import { lineKey, newLines, outlineLines, traceHead, type LoadedTrace } from "@/components/traces/outline";
import { traceRequest, traceSpansRequest } from "./requests";
import type { TraceOutline } from "./types";
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

/** A trace as it loads: its top at once, then the rest page after page. */
export interface LoadingTrace {
  /** the trace with the spans loaded so far (an array that grows as pages come); undefined until the top came */
  trace: LoadedTrace | undefined;
  error: Error | null;
  isLoading: boolean;
  /** spans loaded, of `trace.span_count` */
  loaded: number;
  /** every page has come */
  complete: boolean;
  /** asks again for what failed (the top, or the page the load stopped at) */
  refetch: () => void;
}

interface Rest {
  /** the trace (and top) these pages belong to */
  of: TraceOutline | undefined;
  loaded: number;
  complete: boolean;
  error: Error | null;
}

/**
 * A whole trace, however long, as outlines: its top first (the earliest spans by start, which hold the root and the
 * first levels of the tree; a short trace whole), then, for a long one, all its spans page by page (by span id),
 * the ones already shown left out, while the page shows what has come. Each page is asked for as soon as the one
 * before it has arrived, so the server reads the next while the browser takes in the last.
 */
export function useTrace(view: View, traceId: string): LoadingTrace {
  const first = useEndpoint(traceRequest(view, traceId), { staleTime: Infinity });
  // the top as it first came: a later copy of it (the server renders the page again when its URL changes) would
  // start the load over
  const [kept, setKept] = useState<TraceOutline | undefined>(undefined);
  if (first.data && (!kept || kept.trace_id !== first.data.trace_id)) setKept(first.data);
  const top = kept?.trace_id === first.data?.trace_id ? kept : first.data;
  const trace = useMemo<LoadedTrace | undefined>(
    () => (top ? { ...traceHead(top), spans: outlineLines(top, BigInt(top.start_time_unix_nano)) } : undefined),
    [top],
  );
  const more = trace !== undefined && trace.spans.length < trace.span_count;
  const [rest, setRest] = useState<Rest>({ of: undefined, loaded: 0, complete: false, error: null });
  const [attempt, setAttempt] = useState(0);
  // where a load that failed stopped, to go on from there
  const resume = useRef<{ of: TraceOutline; cursor: string | null } | null>(null);
  const url = endpointUrl(traceSpansRequest(view, traceId));

  useEffect(() => {
    if (!top || !trace || !more) return;
    const controller = new AbortController();
    const base = BigInt(top.start_time_unix_nano);
    const topKeys = new Set(trace.spans.map(lineKey));
    let cursor = resume.current?.of === top ? resume.current.cursor : null;
    const get = (at: string | null) => fetchApi<TraceOutline>(pageUrl(url, at), { signal: controller.signal });
    void (async () => {
      // the top is drawn first: the rest is asked for once a frame has been painted
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
      if (controller.signal.aborted) return;
      let pending: Promise<TraceOutline> | null = get(cursor);
      try {
        while (pending) {
          const page: TraceOutline = await pending;
          // the next page is on its way while this one is taken in
          pending = page.next_cursor ? get(page.next_cursor) : null;
          for (const line of newLines(topKeys, outlineLines(page, base))) trace.spans.push(line);
          cursor = page.next_cursor;
          resume.current = { of: top, cursor };
          setRest({ of: top, loaded: trace.spans.length, complete: cursor === null, error: null });
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        pending?.catch(() => undefined);
        setRest((previous) => ({ ...previous, of: top, error: error as Error }));
      }
    })();
    return () => controller.abort();
    // `trace` follows `top`; a retry is a new attempt
  }, [top, trace, more, url, attempt]);

  const current = rest.of === top ? rest : undefined;
  return {
    trace,
    error: first.error ?? current?.error ?? null,
    isLoading: first.isLoading,
    loaded: current?.loaded ?? trace?.spans.length ?? 0,
    complete: trace !== undefined && (!more || current?.complete === true),
    refetch: () => void (first.error ? first.refetch() : setAttempt((a) => a + 1)),
  };
}

export function useView(): View {
  const params = useSearchParams();
  return useMemo(() => readView(params), [params]);
}

/**
 * Changes some URL parameters of the current page (null removes one); the view follows the URL. `shallow` for what
 * only the browser reads (the span opened in a trace): the server does not render the page again.
 */
export function useSetParams() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  return useCallback(
    (
      patch: Record<string, string | string[] | null>,
      { replace = false, shallow = false }: { replace?: boolean; shallow?: boolean } = {},
    ) => {
      const next = new URLSearchParams(params.toString());
      for (const [key, value] of Object.entries(patch)) {
        next.delete(key);
        if (value === null || value === "") continue;
        if (Array.isArray(value)) for (const item of value) next.append(key, item);
        else next.set(key, value);
      }
      const query = next.toString();
      const href = query ? `${pathname}?${query}` : pathname;
      // shallow: only the browser's history changes (the router follows it), the server is not asked again
      if (shallow && replace) window.history.replaceState(null, "", href);
      else if (shallow) window.history.pushState(null, "", href);
      else if (replace) router.replace(href, { scroll: false });
      else router.push(href, { scroll: false });
    },
    [params, pathname, router],
  );
}
