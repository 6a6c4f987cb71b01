import { request } from "./api";
import type { View } from "./view";

// The API calls each page makes, built the same way by the server's prefetch and the browser:
// each names its endpoint, so its parameters and answer are typed by the endpoint's declaration.

const scoped = (view: View) => ({ project: view.project });
const ranged = (view: View) => ({ project: view.project, from: view.from, to: view.to });

export const statsRequest = (view: View) => request("projectStats", { query: scoped(view) });
export const servicesRequest = (view: View) => request("listServices", { query: ranged(view) });
export const serviceSeriesRequest = (view: View, service?: string) =>
  request("serviceSeries", { query: { ...ranged(view), service } });
export const viewsRequest = (view: View) => request("listViews", { query: scoped(view) });
export const serviceMapRequest = (view: View) => request("serviceMap", { query: ranged(view) });
export const operationsRequest = (view: View, service: string) =>
  request("listOperations", { params: { name: service }, query: ranged(view) });
export const keysRequest = (view: View) => request("listKeys", { query: scoped(view) });
export const usersRequest = () => request("listUsers", {});
export const projectsRequest = () => request("listProjects", {});
export const retentionRequest = () => request("getRetention", {});

export interface TraceFilters {
  /** traces with spans of each (the first is the one the form's select shows) */
  service: string[];
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
    service: params.getAll("service").filter(Boolean),
    operation: get("operation"),
    status: get("status"),
    min_duration_ms: get("min_duration_ms"),
    max_duration_ms: get("max_duration_ms"),
    attr: params.getAll("attr").filter(Boolean),
  };
}

export const TRACE_PAGE_SIZE = 50;

export type TraceSort = "newest" | "slowest";
export const readTraceSort = (params: { get(name: string): string | null }): TraceSort =>
  params.get("sort") === "slowest" ? "slowest" : "newest";

export const traceSearchRequest = (view: View, filters: TraceFilters, cursor?: string, sort: TraceSort = "newest") =>
  request("searchTraces", {
    query: { ...ranged(view), ...filters, limit: TRACE_PAGE_SIZE, cursor, sort: sort === "newest" ? undefined : sort },
  });

/** Points of the Traces page's duration chart: the whole range's matching traces, or the slowest of each slice. */
export const TRACE_DURATION_POINTS = 1_000;
export const traceDurationsRequest = (view: View, filters: TraceFilters) =>
  request("traceDurations", { query: { ...ranged(view), ...filters, limit: TRACE_DURATION_POINTS } });

/** Spans of a trace's first answer: its top (by start), a short trace whole. */
export const TRACE_TOP_SPANS = 500;

/** A trace's top: the whole trace when it is short, else its earliest spans by start (the rest: traceSpansRequest). */
export const traceRequest = (view: View, traceId: string) =>
  request("getTraceOutline", {
    params: { trace_id: traceId },
    query: { ...scoped(view), order: "start", limit: TRACE_TOP_SPANS },
  });

/** A trace's spans page by page (by span id), read after its top while the page already shows that. */
export const traceSpansRequest = (view: View, traceId: string) =>
  request("getTraceOutline", { params: { trace_id: traceId }, query: { ...scoped(view), order: "span_id" } });

/** One span of a trace, whole, as the span detail shows it. */
export const traceSpanRequest = (view: View, traceId: string, spanId: string) =>
  request("getTraceSpan", { params: { trace_id: traceId, span_id: spanId }, query: scoped(view) });

/** Logs of a trace: its own time, a minute either side, whatever range the page shows. */
export const traceLogsRequest = (view: View, traceId: string, startMs: number, endMs: number) =>
  request("searchLogs", {
    query: {
      ...scoped(view),
      trace_id: traceId,
      from: new Date(startMs - 60_000).toISOString(),
      to: new Date(endMs + 60_000).toISOString(),
      limit: 500,
    },
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

export const logsRequest = (view: View, filters: LogFilters) =>
  request("searchLogs", { query: { ...ranged(view), ...filters, limit: 100 } });

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

export const pipelineSummaryRequest = (view: View, f: EventFilters) =>
  request("pipelineSummary", { query: { ...ranged(view), event_name: f.event_name, threshold_seconds: f.threshold } });
export const failedEventsRequest = (view: View, f: EventFilters) =>
  request("listPipelineEvents", {
    query: {
      ...ranged(view),
      status: "failed",
      event_name: f.event_name,
      error: f.error,
      limit: 50,
    },
  });
export const slowEventsRequest = (view: View, f: EventFilters) =>
  request("listSlowEvents", {
    query: {
      ...ranged(view),
      event_name: f.event_name,
      threshold_seconds: f.threshold,
      limit: 50,
    },
  });
export const pendingEventsRequest = (view: View, f: EventFilters) =>
  request("listPipelineEvents", {
    query: { ...ranged(view), status: "pending", event_name: f.event_name, threshold_seconds: f.threshold, limit: 50 },
  });
export const retryStatsRequest = (view: View) => request("retryStats", { query: ranged(view) });
export const taskRequest = (view: View, taskId: string, f: EventFilters) =>
  request("getTask", { params: { task_id: taskId }, query: { ...scoped(view), threshold_seconds: f.threshold } });
/** A task's network operations: any time (a task's record is not bound to the page's range). */
export const taskNetworkRequest = (view: View, taskId: string, startMs: number) =>
  request("listNetworkOps", {
    query: {
      ...scoped(view),
      task_id: taskId,
      from: new Date(startMs - 3_600_000).toISOString(),
      to: "now",
      limit: 200,
    },
  });

export interface NetworkFilters {
  host?: string;
  threshold: string;
}

export function readNetworkFilters(params: { get(name: string): string | null }): NetworkFilters {
  return { host: params.get("host") || undefined, threshold: params.get("threshold") || "1" };
}

export const hostsRequest = (view: View) => request("networkHosts", { query: ranged(view) });
export const networkSeriesRequest = (view: View, f: NetworkFilters) =>
  request("networkSeries", { query: { ...ranged(view), host: f.host } });
export const failedNetworkRequest = (view: View, f: NetworkFilters) =>
  request("listNetworkOps", { query: { ...ranged(view), failed: "true", host: f.host, limit: 50 } });
export const slowNetworkRequest = (view: View, f: NetworkFilters) =>
  request("listSlowNetworkOps", { query: { ...ranged(view), threshold_seconds: f.threshold, limit: 50 } });

export const metricsListRequest = (view: View) => request("listMetrics", { query: scoped(view) });

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

export const metricQueryRequests = (view: View, f: MetricFilters, agg: string) =>
  (agg === "percentiles" ? PERCENTILES : [agg]).map((one) =>
    request("queryMetric", {
      query: {
        ...ranged(view),
        name: f.metric,
        agg: one,
        step: f.step,
        tag: f.tag,
        group_by: f.group_by,
      },
    }),
  );

export const publishersRequest = (view: View) => request("listPublishers", { query: scoped(view) });
export const publisherSeriesRequest = (view: View) => request("publisherSeries", { query: ranged(view) });

/** What alerting is doing now: also the header's count of firing rules. */
export const alertsRequest = (view: View) => request("listAlerts", { query: scoped(view) });
export const alertRulesRequest = (view: View) => request("listAlertRules", { query: scoped(view) });
export const alertChannelsRequest = (view: View) => request("listAlertChannels", { query: scoped(view) });
export const alertSilencesRequest = (view: View) => request("listAlertSilences", { query: scoped(view) });

/**
 * One rule's changes, newest first. Alert history is read over days, not the dashboard's default hour: the page's
 * time range when the URL sets one, else the last week.
 */
export const alertHistoryRequest = (view: View, rule: string, params: { has(name: string): boolean }) =>
  request("alertHistory", {
    query: { ...scoped(view), rule, from: params.has("from") ? view.from : "now-7d", to: view.to, limit: 50 },
  });
