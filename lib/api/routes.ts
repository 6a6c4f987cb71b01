// Every endpoint's method and path, by name: the one table the dashboard (in the browser) and the
// server's endpoint declarations (lib/api/endpoints.ts) both build on. Pure data, so the browser
// bundle carries no schemas or server code to know where an endpoint lives.

export const routes = {
  authSetup: "POST /api/v1/auth/setup",
  authLogin: "POST /api/v1/auth/login",
  authLogout: "POST /api/v1/auth/logout",
  authMe: "GET /api/v1/auth/me",
  authChangePassword: "POST /api/v1/auth/password",
  oauthToken: "POST /api/oauth/token",
  oauthRevoke: "POST /api/oauth/revoke",
  health: "GET /api/v1/health",
  ingestSpans: "POST /api/v1/spans",
  ingestEvents: "POST /api/v1/events",
  ingestMetrics: "POST /api/v1/metrics",
  ingestLogs: "POST /api/v1/logs",
  ingestPipelineEvents: "POST /api/v1/pipeline/events",
  ingestNetworkOps: "POST /api/v1/pipeline/network",
  ingestZipkin: "POST /api/v2/spans",
  otlpTraces: "POST /v1/traces",
  otlpMetrics: "POST /v1/metrics",
  otlpLogs: "POST /v1/logs",
  prometheusMetrics: "GET /metrics",
  projectStats: "GET /api/v1/stats",
  searchTraces: "GET /api/v1/traces",
  traceDurations: "GET /api/v1/traces/durations",
  getTrace: "GET /api/v1/traces/{trace_id}",
  getTraceOutline: "GET /api/v1/traces/{trace_id}/outline",
  getTraceSpan: "GET /api/v1/traces/{trace_id}/spans/{span_id}",
  listServices: "GET /api/v1/services",
  serviceSeries: "GET /api/v1/services/series",
  serviceMap: "GET /api/v1/services/map",
  listViews: "GET /api/v1/views",
  createView: "POST /api/v1/views",
  renameView: "PATCH /api/v1/views/{id}",
  deleteView: "DELETE /api/v1/views/{id}",
  listOperations: "GET /api/v1/services/{name}/operations",
  listMetrics: "GET /api/v1/metrics",
  queryMetric: "GET /api/v1/metrics/query",
  searchLogs: "GET /api/v1/logs",
  searchEvents: "GET /api/v1/events",
  listPipelineEvents: "GET /api/v1/pipeline/events",
  listSlowEvents: "GET /api/v1/pipeline/events/slow",
  getTask: "GET /api/v1/pipeline/events/{task_id}",
  pipelineSummary: "GET /api/v1/pipeline/summary",
  networkSeries: "GET /api/v1/pipeline/network/series",
  retryStats: "GET /api/v1/pipeline/retry-stats",
  listNetworkOps: "GET /api/v1/pipeline/network",
  listSlowNetworkOps: "GET /api/v1/pipeline/network/slow",
  networkHosts: "GET /api/v1/pipeline/network/hosts",
  ingestPublisherStatus: "POST /api/v1/publishers/status",
  publisherSeries: "GET /api/v1/publishers/series",
  createPublisher: "POST /api/v1/publishers",
  updatePublisher: "PATCH /api/v1/publishers/{id}",
  listPublishers: "GET /api/v1/publishers",
  listProjects: "GET /api/v1/projects",
  createProject: "POST /api/v1/projects",
  updateProject: "PATCH /api/v1/projects/{slug}",
  listKeys: "GET /api/v1/keys",
  createKey: "POST /api/v1/keys",
  revokeKey: "DELETE /api/v1/keys/{key_id}",
  listUsers: "GET /api/v1/users",
  createUser: "POST /api/v1/users",
  updateUser: "PATCH /api/v1/users/{id}",
  removeUser: "DELETE /api/v1/users/{id}",
  getRetention: "GET /api/v1/retention",
  updateRetention: "PATCH /api/v1/retention",
  openapi: "GET /api/v1/openapi.json",
} as const;

export type EndpointName = keyof typeof routes;
export type Route<N extends EndpointName = EndpointName> = (typeof routes)[N];
export type RouteMethod<N extends EndpointName> = Route<N> extends `${infer M} ${string}` ? Lowercase<M> : never;
export type RoutePath<N extends EndpointName> = Route<N> extends `${string} ${infer P}` ? P : never;

/** An endpoint's method (lower case, as in OpenAPI) and path template (`/api/v1/traces/{trace_id}`). */
export function routeOf<N extends EndpointName>(name: N): { method: RouteMethod<N>; path: RoutePath<N> } {
  const [method, path] = routes[name].split(" ") as [string, string];
  return { method: method.toLowerCase() as RouteMethod<N>, path: path as RoutePath<N> };
}
