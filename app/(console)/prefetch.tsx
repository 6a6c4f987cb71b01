import { dehydrate, HydrationBoundary, QueryClient } from "@tanstack/react-query";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import {
  apiPagesQueryKey,
  endpointKey,
  endpointUrl,
  pageUrl,
  readApiResponse,
  type AnyEndpointRequest,
} from "@/components/data/api";
import { isServed, type Endpoint } from "@/lib/api/endpoint";
import { endpoints } from "@/lib/api/endpoints";
import { route } from "@/lib/http/route";

// Server prefetch serves the page's requests in-process through the same route wrapper the REST
// API runs, found by endpoint name in the declarations, with the visitor's cookie: the first
// screen arrives with its data, and it is exactly what the browser would have fetched.

const ORIGIN = "http://dashboard.internal";

async function callEndpoint(call: AnyEndpointRequest, url: string, cookie: string): Promise<unknown> {
  const endpoint: Endpoint = endpoints[call.endpoint];
  if (!isServed(endpoint))
    throw new Error(`${call.endpoint} is not served by a verb; the dashboard cannot prefetch it`);
  const response = await route(endpoint)(new Request(new URL(url, ORIGIN), { headers: { cookie } }), {
    params: Promise.resolve(call.params ?? {}),
  });
  return readApiResponse(response);
}

/**
 * Renders children with these API answers already in react-query's cache (for `pagedRequests`,
 * the first page of an endlessly scrolled list); failures are left for the browser to show.
 */
export async function Prefetch({
  requests,
  pagedRequests = [],
  children,
}: {
  requests: AnyEndpointRequest[];
  pagedRequests?: AnyEndpointRequest[];
  children: ReactNode;
}) {
  const client = new QueryClient();
  const cookie = (await headers()).get("cookie") ?? "";
  await Promise.all([
    ...requests.map((call) =>
      client.prefetchQuery({
        queryKey: endpointKey(call),
        queryFn: () => callEndpoint(call, endpointUrl(call), cookie),
      }),
    ),
    ...pagedRequests.map((call) =>
      client.prefetchInfiniteQuery({
        queryKey: apiPagesQueryKey(endpointUrl(call)),
        queryFn: ({ pageParam }) => callEndpoint(call, pageUrl(endpointUrl(call), pageParam), cookie),
        initialPageParam: null as string | null,
      }),
    ),
  ]);
  return <HydrationBoundary state={dehydrate(client)}>{children}</HydrationBoundary>;
}
