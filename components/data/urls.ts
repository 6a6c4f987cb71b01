import { apiUrl } from "./api";
import type { View } from "./view";

// The API calls each page makes, built the same way by the server's prefetch and the browser.

const scoped = (view: View) => ({ project: view.project });
const ranged = (view: View) => ({ project: view.project, from: view.from, to: view.to });

export const statsUrl = (view: View) => apiUrl("/api/v1/stats", scoped(view));
export const servicesUrl = (view: View) => apiUrl("/api/v1/services", ranged(view));
export const serviceSeriesUrl = (view: View, service?: string) =>
  apiUrl("/api/v1/services/series", { ...ranged(view), service });
export const operationsUrl = (view: View, service: string) =>
  apiUrl(`/api/v1/services/${encodeURIComponent(service)}/operations`, ranged(view));
export const keysUrl = (view: View) => apiUrl("/api/v1/keys", scoped(view));
export const keyUrl = (view: View, keyId: string) => apiUrl(`/api/v1/keys/${encodeURIComponent(keyId)}`, scoped(view));
export const usersUrl = () => apiUrl("/api/v1/users");
export const userUrl = (id: string) => apiUrl(`/api/v1/users/${encodeURIComponent(id)}`);
export const projectsUrl = () => apiUrl("/api/v1/projects");
export const projectUrl = (slug: string) => apiUrl(`/api/v1/projects/${encodeURIComponent(slug)}`);

export interface TraceFilters {
  service?: string;
  operation?: string;
  status?: string;
  min_duration_ms?: string;
  max_duration_ms?: string;
  attr: string[];
}

export function readTraceFilters(params: {
  get(name: string): string | null;
  getAll(name: string): string[];
}): TraceFilters {
  const get = (name: string) => params.get(name) || undefined;
  return {
    service: get("service"),
    operation: get("operation"),
    status: get("status"),
    min_duration_ms: get("min_duration_ms"),
    max_duration_ms: get("max_duration_ms"),
    attr: params.getAll("attr").filter(Boolean),
  };
}

export const TRACE_PAGE_SIZE = 50;

export const traceSearchUrl = (view: View, filters: TraceFilters, cursor?: string) =>
  apiUrl("/api/v1/traces", { ...ranged(view), ...filters, limit: TRACE_PAGE_SIZE, cursor });

export const traceUrl = (view: View, traceId: string) =>
  apiUrl(`/api/v1/traces/${encodeURIComponent(traceId)}`, scoped(view));

/** Logs of a trace: its own time, a minute either side, whatever range the page shows. */
export const traceLogsUrl = (view: View, traceId: string, startMs: number, endMs: number) =>
  apiUrl("/api/v1/logs", {
    ...scoped(view),
    trace_id: traceId,
    from: new Date(startMs - 60_000).toISOString(),
    to: new Date(endMs + 60_000).toISOString(),
    limit: 500,
  });

export interface LogFilters {
  q?: string;
  severity?: string;
  service?: string;
  trace_id?: string;
}

export function readLogFilters(params: { get(name: string): string | null }): LogFilters {
  const get = (name: string) => params.get(name) || undefined;
  return { q: get("q"), severity: get("severity"), service: get("service"), trace_id: get("trace_id") };
}

export const logsUrl = (view: View, filters: LogFilters) =>
  apiUrl("/api/v1/logs", { ...ranged(view), ...filters, limit: 100 });

export interface EventFilters {
  event_name?: string;
  error?: string;
  /** the slow threshold, seconds (also when a pending task counts as stuck) */
  threshold: string;
}

export function readEventFilters(params: { get(name: string): string | null }): EventFilters {
  const get = (name: string) => params.get(name) || undefined;
  return { event_name: get("event_name"), error: get("error"), threshold: get("threshold") ?? "1" };
}

export const pipelineSummaryUrl = (view: View, f: EventFilters) =>
  apiUrl("/api/v1/pipeline/summary", { ...ranged(view), event_name: f.event_name, threshold_seconds: f.threshold });
export const failedEventsUrl = (view: View, f: EventFilters) =>
  apiUrl("/api/v1/pipeline/events", {
    ...ranged(view),
    status: "failed",
    event_name: f.event_name,
    error: f.error,
    limit: 50,
  });
export const slowEventsUrl = (view: View, f: EventFilters) =>
  apiUrl("/api/v1/pipeline/events/slow", {
    ...ranged(view),
    event_name: f.event_name,
    threshold_seconds: f.threshold,
    limit: 50,
  });
export const pendingEventsUrl = (view: View, f: EventFilters) =>
  apiUrl("/api/v1/pipeline/events", { ...ranged(view), status: "pending", event_name: f.event_name, limit: 50 });
export const retryStatsUrl = (view: View) => apiUrl("/api/v1/pipeline/retry-stats", ranged(view));
export const taskUrl = (view: View, taskId: string) =>
  apiUrl(`/api/v1/pipeline/events/${encodeURIComponent(taskId)}`, scoped(view));
/** A task's network operations: any time (a task's record is not bound to the page's range). */
export const taskNetworkUrl = (view: View, taskId: string, startMs: number) =>
  apiUrl("/api/v1/pipeline/network", {
    ...scoped(view),
    task_id: taskId,
    from: new Date(startMs - 3_600_000).toISOString(),
    to: "now",
    limit: 200,
  });

export interface NetworkFilters {
  host?: string;
  threshold: string;
}

export function readNetworkFilters(params: { get(name: string): string | null }): NetworkFilters {
  return { host: params.get("host") || undefined, threshold: params.get("threshold") || "1" };
}

export const hostsUrl = (view: View) => apiUrl("/api/v1/pipeline/network/hosts", ranged(view));
export const networkSeriesUrl = (view: View, f: NetworkFilters) =>
  apiUrl("/api/v1/pipeline/network/series", { ...ranged(view), host: f.host });
export const failedNetworkUrl = (view: View, f: NetworkFilters) =>
  apiUrl("/api/v1/pipeline/network", { ...ranged(view), failed: "true", host: f.host, limit: 50 });
export const slowNetworkUrl = (view: View, f: NetworkFilters) =>
  apiUrl("/api/v1/pipeline/network/slow", { ...ranged(view), threshold_seconds: f.threshold, limit: 50 });

export const metricsListUrl = (view: View) => apiUrl("/api/v1/metrics", scoped(view));

export interface MetricFilters {
  metric?: string;
  agg?: string;
  step?: string;
  tag: string[];
  group_by?: string;
}

export function readMetricFilters(params: {
  get(name: string): string | null;
  getAll(name: string): string[];
}): MetricFilters {
  const get = (name: string) => params.get(name) || undefined;
  return {
    metric: get("metric"),
    agg: get("agg"),
    step: get("step"),
    tag: params.getAll("tag").filter(Boolean),
    group_by: get("group_by"),
  };
}

/** `percentiles` is the explorer's own choice: p50, p95 and p99 side by side. */
export const PERCENTILES = ["p50", "p95", "p99"];

export const metricQueryUrls = (view: View, f: MetricFilters, agg: string) =>
  (agg === "percentiles" ? PERCENTILES : [agg]).map((one) =>
    apiUrl("/api/v1/metrics/query", {
      ...ranged(view),
      name: f.metric,
      agg: one,
      step: f.step,
      tag: f.tag,
      group_by: f.group_by,
    }),
  );

export const publishersUrl = (view: View) => apiUrl("/api/v1/publishers", scoped(view));
export const publisherUrl = (view: View, id: string) =>
  apiUrl(`/api/v1/publishers/${encodeURIComponent(id)}`, scoped(view));
export const publisherSeriesUrl = (view: View) => apiUrl("/api/v1/publishers/series", ranged(view));
