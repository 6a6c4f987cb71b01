import { apiUrl } from "./api";
import type { View } from "./view";

// The API calls each page makes, built the same way by the server's prefetch and the browser.

const scoped = (view: View) => ({ project: view.project });
const ranged = (view: View) => ({ project: view.project, from: view.from, to: view.to });

export const statsUrl = (view: View) => apiUrl("/api/v1/stats", scoped(view));
export const servicesUrl = (view: View) => apiUrl("/api/v1/services", ranged(view));
export const serviceSeriesUrl = (view: View, service?: string) => apiUrl("/api/v1/services/series", { ...ranged(view), service });
export const operationsUrl = (view: View, service: string) => apiUrl(`/api/v1/services/${encodeURIComponent(service)}/operations`, ranged(view));
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

export function readTraceFilters(params: { get(name: string): string | null; getAll(name: string): string[] }): TraceFilters {
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

export const traceUrl = (view: View, traceId: string) => apiUrl(`/api/v1/traces/${encodeURIComponent(traceId)}`, scoped(view));

/** Logs of a trace: its own time, a minute either side, whatever range the page shows. */
export const traceLogsUrl = (view: View, traceId: string, startMs: number, endMs: number) =>
  apiUrl("/api/v1/logs", { ...scoped(view), trace_id: traceId, from: new Date(startMs - 60_000).toISOString(), to: new Date(endMs + 60_000).toISOString(), limit: 500 });
