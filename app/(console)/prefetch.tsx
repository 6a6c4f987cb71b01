import { dehydrate, HydrationBoundary, QueryClient } from "@tanstack/react-query";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { apiPagesQueryKey, apiQueryKey, pageUrl, readApiResponse } from "@/components/data/api";
import { endpoints } from "@/lib/api/endpoints";
import * as me from "@/app/api/v1/auth/me/route";
import * as events from "@/app/api/v1/events/route";
import * as keys from "@/app/api/v1/keys/route";
import * as logs from "@/app/api/v1/logs/route";
import * as metricQuery from "@/app/api/v1/metrics/query/route";
import * as metrics from "@/app/api/v1/metrics/route";
import * as task from "@/app/api/v1/pipeline/events/[task_id]/route";
import * as pipelineEvents from "@/app/api/v1/pipeline/events/route";
import * as slowEvents from "@/app/api/v1/pipeline/events/slow/route";
import * as networkHosts from "@/app/api/v1/pipeline/network/hosts/route";
import * as network from "@/app/api/v1/pipeline/network/route";
import * as slowNetwork from "@/app/api/v1/pipeline/network/slow/route";
import * as pipelineSummary from "@/app/api/v1/pipeline/summary/route";
import * as networkSeries from "@/app/api/v1/pipeline/network/series/route";
import * as retryStats from "@/app/api/v1/pipeline/retry-stats/route";
import * as projects from "@/app/api/v1/projects/route";
import * as publishers from "@/app/api/v1/publishers/route";
import * as publisherSeries from "@/app/api/v1/publishers/series/route";
import * as operations from "@/app/api/v1/services/[name]/operations/route";
import * as services from "@/app/api/v1/services/route";
import * as stats from "@/app/api/v1/stats/route";
import * as serviceSeries from "@/app/api/v1/services/series/route";
import * as trace from "@/app/api/v1/traces/[trace_id]/route";
import * as traces from "@/app/api/v1/traces/route";
import * as users from "@/app/api/v1/users/route";

// Server prefetch calls the REST API's own route handlers in-process, with the visitor's cookie:
// the first screen arrives with its data, and it is exactly what the browser would have fetched.

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

const routes: [string, Handler][] = [
  [endpoints.authMe.path, me.GET],
  [endpoints.searchEvents.path, events.GET],
  [endpoints.listKeys.path, keys.GET],
  [endpoints.searchLogs.path, logs.GET],
  [endpoints.queryMetric.path, metricQuery.GET],
  [endpoints.listMetrics.path, metrics.GET],
  [endpoints.listSlowEvents.path, slowEvents.GET],
  [endpoints.listPipelineEvents.path, pipelineEvents.GET],
  [endpoints.getTask.path, task.GET],
  [endpoints.networkHosts.path, networkHosts.GET],
  [endpoints.networkSeries.path, networkSeries.GET],
  [endpoints.pipelineSummary.path, pipelineSummary.GET],
  [endpoints.listSlowNetworkOps.path, slowNetwork.GET],
  [endpoints.listNetworkOps.path, network.GET],
  [endpoints.retryStats.path, retryStats.GET],
  [endpoints.listProjects.path, projects.GET],
  [endpoints.listPublishers.path, publishers.GET],
  [endpoints.publisherSeries.path, publisherSeries.GET],
  [endpoints.serviceSeries.path, serviceSeries.GET],
  [endpoints.listServices.path, services.GET],
  [endpoints.listOperations.path, operations.GET],
  [endpoints.searchTraces.path, traces.GET],
  [endpoints.getTrace.path, trace.GET],
  [endpoints.listUsers.path, users.GET],
  [endpoints.projectStats.path, stats.GET],
];

const matchers = routes.map(([template, handler]) => {
  const names: string[] = [];
  const pattern = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  return { regex: new RegExp(`^${pattern}$`), names, handler };
});

async function callApi(url: string, cookie: string): Promise<unknown> {
  const { pathname } = new URL(url, "http://dashboard.internal");
  for (const { regex, names, handler } of matchers) {
    const match = regex.exec(pathname);
    if (!match) continue;
    const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
    const response = await handler(new Request(new URL(url, "http://dashboard.internal"), { headers: { cookie } }), {
      params: Promise.resolve(params),
    });
    return readApiResponse(response);
  }
  throw new Error(`no API route serves ${pathname}`);
}

/**
 * Renders children with these API answers already in react-query's cache (for `pagedUrls`, the
 * first page of an endlessly scrolled list); failures are left for the browser to show.
 */
export async function Prefetch({
  urls,
  pagedUrls = [],
  children,
}: {
  urls: string[];
  pagedUrls?: string[];
  children: ReactNode;
}) {
  const client = new QueryClient();
  const cookie = (await headers()).get("cookie") ?? "";
  await Promise.all([
    ...urls.map((url) => client.prefetchQuery({ queryKey: apiQueryKey(url), queryFn: () => callApi(url, cookie) })),
    ...pagedUrls.map((url) =>
      client.prefetchInfiniteQuery({
        queryKey: apiPagesQueryKey(url),
        queryFn: ({ pageParam }) => callApi(pageUrl(url, pageParam), cookie),
        initialPageParam: null as string | null,
      }),
    ),
  ]);
  return <HydrationBoundary state={dehydrate(client)}>{children}</HydrationBoundary>;
}
