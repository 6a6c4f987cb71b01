import { z } from "zod";
import type { Anonymous } from "@/lib/auth/authenticate";
import type { Scope } from "@/lib/auth/scopes";
import { EventIn, LogIn, MetricIn, NetworkOpIn, PipelineEventIn, SpanIn } from "@/lib/model/wire";
import { ZipkinSpan } from "@/lib/ingest/zipkin";
import { LogSearchQuery, LogSearchResult, EventSearchQuery, EventSearchResult } from "@/lib/query/logs";
import { MetricListQuery, MetricListResult, MetricQuery, MetricQueryResult } from "@/lib/query/metrics";
import {
  HostsQuery,
  HostsResult,
  NetworkQuery,
  NetworkResult,
  NetworkSeries,
  NetworkSeriesQuery,
  PipelineSummary,
  PipelineSummaryQuery,
  PipelineEventView,
  PipelineEventsQuery,
  PipelineEventsResult,
  RetryStats,
  RetryStatsQuery,
  SlowNetworkQuery,
  SlowQuery,
  TaskParams,
} from "@/lib/query/pipeline";
import { ProjectStats } from "@/lib/query/overview";
import { PublisherSeries, PublisherSeriesQuery, PublishersResult } from "@/lib/query/publishers";
import { PublisherCreate, PublisherParams, PublisherStatusIn, PublisherUpdate } from "@/lib/publishers/manage";
import {
  CreatedKey,
  KeyCreate,
  KeyList,
  KeyParams,
  ProjectCreate,
  ProjectList,
  ProjectParams,
  ProjectSlug,
  ProjectUpdate,
  ProjectView,
  UserCreate,
  UserList,
  UserParams,
  UserUpdate,
  UserView,
} from "@/lib/auth/settings";
import {
  OperationsResult,
  ServiceParams,
  ServiceSeriesQuery,
  ServiceSeriesResult,
  ServicesQuery,
  ServicesResult,
} from "@/lib/query/services";
import { TraceIdParams, TraceSearchQuery, TraceSearchResult, TraceView } from "@/lib/query/traces";

// Every REST endpoint, declared once: the route handlers take scope and schemas from here, and
// the OpenAPI document is generated from the same declarations.

export interface Endpoint {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  summary: string;
  /** more than the summary says: shown under it in the OpenAPI document */
  description?: string;
  tag: string;
  scope: Scope | null;
  /** who may call it without credentials, though it declares a scope */
  anonymous?: Anonymous;
  query?: z.ZodObject;
  params?: z.ZodObject;
  /** documents the request body; the handler validates it */
  body?: z.ZodType;
  /** content types of the body, when not JSON */
  bodyContentTypes?: string[];
  response: z.ZodType;
  status?: number;
}

const IngestResult = z
  .object({
    accepted: z.number(),
    rejected: z.number(),
    errors: z.array(z.object({ index: z.number(), message: z.string() })),
  })
  .meta({ id: "IngestResult" });

const batch = (key: string, item: z.ZodType) => z.union([z.object({ [key]: z.array(item) }), z.array(item)]);

const ingest = (path: string, key: string, item: z.ZodType, summary: string): Endpoint & { scope: "ingest" } => ({
  method: "post",
  path,
  summary,
  tag: "Ingest",
  scope: "ingest",
  body: batch(key, item),
  response: IngestResult,
});

export const Health = z.object({
  status: z.enum(["ok", "unavailable"]),
  version: z.string(),
  database: z.enum(["ok", "unavailable"]),
  driver: z.enum(["pglite", "postgres"]).optional(),
});

const OtlpBody = z
  .unknown()
  .meta({
    description:
      "ExportTraceServiceRequest / ExportMetricsServiceRequest / ExportLogsServiceRequest, protobuf or OTLP/JSON",
  });
const otlp = (signal: string): Endpoint & { scope: "ingest" } => ({
  method: "post",
  path: `/v1/${signal}`,
  summary: `OTLP/HTTP ${signal} export (protobuf or JSON, gzip accepted)`,
  tag: "OpenTelemetry",
  scope: "ingest",
  body: OtlpBody,
  bodyContentTypes: ["application/x-protobuf", "application/json"],
  response: z.object({
    partialSuccess: z
      .object({ errorMessage: z.string() })
      .catchall(z.union([z.string(), z.number()]))
      .optional(),
  }),
});

const User = z.object({ id: z.string(), email: z.string(), role: z.enum(["admin", "viewer"]) }).meta({ id: "User" });
const CredentialsBody = z.object({ email: z.string(), password: z.string() });

export const endpoints = {
  authSetup: {
    method: "post",
    path: "/api/v1/auth/setup",
    summary: "First run: create the first admin and sign in (only while no account exists)",
    tag: "Accounts",
    scope: null,
    body: CredentialsBody,
    response: z.object({ user: User }),
    status: 201,
  },
  authLogin: {
    method: "post",
    path: "/api/v1/auth/login",
    summary: "Sign in; sets the session cookie",
    tag: "Accounts",
    scope: null,
    body: CredentialsBody,
    response: z.object({ user: User }),
  },
  authLogout: {
    method: "post",
    path: "/api/v1/auth/logout",
    summary: "Sign out; ends the session",
    tag: "Accounts",
    scope: null,
    response: z.null(),
    status: 204,
  },
  authMe: {
    method: "get",
    path: "/api/v1/auth/me",
    summary: "The signed-in account, and whether first-run setup is needed",
    tag: "Accounts",
    scope: null,
    response: z.object({ user: User.nullable(), setup_required: z.boolean() }),
  },

  oauthToken: {
    method: "post",
    path: "/api/oauth/token",
    summary:
      "OAuth 2.0 client-credentials grant (RFC 6749 §4.4): the client id and secret are an API key's id and secret (HTTP Basic or form fields); `scope` may narrow the key's scopes. Errors as RFC 6749 §5.2.",
    tag: "OAuth",
    scope: null,
    body: z.object({
      grant_type: z.literal("client_credentials"),
      scope: z.string().optional(),
      client_id: z.string().optional(),
      client_secret: z.string().optional(),
    }),
    bodyContentTypes: ["application/x-www-form-urlencoded"],
    response: z.object({
      access_token: z.string(),
      token_type: z.literal("Bearer"),
      expires_in: z.number(),
      scope: z.string(),
    }),
  },
  oauthRevoke: {
    method: "post",
    path: "/api/oauth/revoke",
    summary: "OAuth 2.0 token revocation (RFC 7009): the token stops working at once",
    tag: "OAuth",
    scope: null,
    body: z.object({
      token: z.string(),
      token_type_hint: z.string().optional(),
      client_id: z.string().optional(),
      client_secret: z.string().optional(),
    }),
    bodyContentTypes: ["application/x-www-form-urlencoded"],
    response: z.null(),
  },
  health: {
    method: "get",
    path: "/api/v1/health",
    summary: "Server and database health (no credentials)",
    tag: "Health",
    scope: null,
    response: Health,
  },
  ingestSpans: ingest("/api/v1/spans", "spans", SpanIn, "Send spans"),
  ingestEvents: ingest("/api/v1/events", "events", EventIn, "Send events"),
  ingestMetrics: ingest("/api/v1/metrics", "metrics", MetricIn, "Send metric points"),
  ingestLogs: ingest("/api/v1/logs", "logs", LogIn, "Send logs"),
  ingestPipelineEvents: ingest(
    "/api/v1/pipeline/events",
    "events",
    PipelineEventIn,
    "Send task executions (pipeline events)",
  ),
  ingestNetworkOps: ingest("/api/v1/pipeline/network", "operations", NetworkOpIn, "Send network operations"),
  ingestZipkin: { ...ingest("/api/v2/spans", "spans", ZipkinSpan, "Zipkin v2 JSON spans"), tag: "Zipkin", status: 202 },
  otlpTraces: otlp("traces"),
  otlpMetrics: otlp("metrics"),
  otlpLogs: otlp("logs"),

  prometheusMetrics: {
    method: "get",
    path: "/metrics",
    summary:
      "Prometheus text exposition of the project: event_duration_seconds, event_retries_total, network_bytes_total, network_latency_seconds, and Tracedeck's own ingest metrics",
    description:
      "A key (or a session) is served its own project. Without credentials, the project `?project=<slug>` (default: default) is served if an admin made its /metrics public (`PATCH /api/v1/projects/{slug}` with `public_metrics: true`); for any other project, unknown ones included, the answer is 401.",
    tag: "Health",
    scope: "read",
    anonymous: "public_metrics",
    query: z.object({
      project: ProjectSlug.optional().meta({
        description: "without credentials: the public project to serve (default: default)",
      }),
    }),
    response: z.string().meta({ description: "text/plain; version=0.0.4" }),
  },
  projectStats: {
    method: "get",
    path: "/api/v1/stats",
    summary:
      "How many spans, traces, metric points, logs, events, pipeline events and network operations the project holds",
    tag: "Health",
    scope: "read",
    response: ProjectStats,
  },
  searchTraces: {
    method: "get",
    path: "/api/v1/traces",
    summary: "Search traces, newest first",
    tag: "Traces",
    scope: "read",
    query: TraceSearchQuery,
    response: TraceSearchResult,
  },
  getTrace: {
    method: "get",
    path: "/api/v1/traces/{trace_id}",
    summary: "A whole trace",
    tag: "Traces",
    scope: "read",
    params: TraceIdParams,
    response: TraceView,
  },
  listServices: {
    method: "get",
    path: "/api/v1/services",
    summary: "RED per service",
    tag: "Services",
    scope: "read",
    query: ServicesQuery,
    response: ServicesResult,
  },
  serviceSeries: {
    method: "get",
    path: "/api/v1/services/series",
    summary: "RED of requests over time, per service",
    tag: "Services",
    scope: "read",
    query: ServiceSeriesQuery,
    response: ServiceSeriesResult,
  },
  listOperations: {
    method: "get",
    path: "/api/v1/services/{name}/operations",
    summary: "RED per operation of a service",
    tag: "Services",
    scope: "read",
    query: ServicesQuery,
    params: ServiceParams,
    response: OperationsResult,
  },
  listMetrics: {
    method: "get",
    path: "/api/v1/metrics",
    summary: "Metric names with type, unit, description and tag keys",
    tag: "Metrics",
    scope: "read",
    query: MetricListQuery,
    response: MetricListResult,
  },
  queryMetric: {
    method: "get",
    path: "/api/v1/metrics/query",
    summary: "A metric's series, bucketed and aggregated",
    tag: "Metrics",
    scope: "read",
    query: MetricQuery,
    response: MetricQueryResult,
  },
  searchLogs: {
    method: "get",
    path: "/api/v1/logs",
    summary: "Search logs, newest first",
    tag: "Logs",
    scope: "read",
    query: LogSearchQuery,
    response: LogSearchResult,
  },
  searchEvents: {
    method: "get",
    path: "/api/v1/events",
    summary: "Search events, newest first",
    tag: "Events",
    scope: "read",
    query: EventSearchQuery,
    response: EventSearchResult,
  },
  listPipelineEvents: {
    method: "get",
    path: "/api/v1/pipeline/events",
    summary: "Task executions (status=failed for failed events)",
    tag: "Pipeline",
    scope: "read",
    query: PipelineEventsQuery,
    response: PipelineEventsResult,
  },
  listSlowEvents: {
    method: "get",
    path: "/api/v1/pipeline/events/slow",
    summary: "Events slower than threshold_seconds, slowest first",
    tag: "Pipeline",
    scope: "read",
    query: SlowQuery,
    response: PipelineEventsResult,
  },
  getTask: {
    method: "get",
    path: "/api/v1/pipeline/events/{task_id}",
    summary: "A task's record",
    tag: "Pipeline",
    scope: "read",
    params: TaskParams,
    response: PipelineEventView,
  },
  pipelineSummary: {
    method: "get",
    path: "/api/v1/pipeline/summary",
    summary: "Runs, failures, retries and stuck tasks: totals, over time, and the distribution of retry counts",
    tag: "Pipeline",
    scope: "read",
    query: PipelineSummaryQuery,
    response: PipelineSummary,
  },
  networkSeries: {
    method: "get",
    path: "/api/v1/pipeline/network/series",
    summary: "Operations, errors, bytes and latency over time per host:port",
    tag: "Pipeline",
    scope: "read",
    query: NetworkSeriesQuery,
    response: NetworkSeries,
  },
  retryStats: {
    method: "get",
    path: "/api/v1/pipeline/retry-stats",
    summary: "Retry statistics",
    tag: "Pipeline",
    scope: "read",
    query: RetryStatsQuery,
    response: RetryStats,
  },
  listNetworkOps: {
    method: "get",
    path: "/api/v1/pipeline/network",
    summary: "Network operations (failed=true for failed ones)",
    tag: "Pipeline",
    scope: "read",
    query: NetworkQuery,
    response: NetworkResult,
  },
  listSlowNetworkOps: {
    method: "get",
    path: "/api/v1/pipeline/network/slow",
    summary: "Network operations slower than threshold_seconds",
    tag: "Pipeline",
    scope: "read",
    query: SlowNetworkQuery,
    response: NetworkResult,
  },
  networkHosts: {
    method: "get",
    path: "/api/v1/pipeline/network/hosts",
    summary: "Totals per host:port",
    tag: "Pipeline",
    scope: "read",
    query: HostsQuery,
    response: HostsResult,
  },
  ingestPublisherStatus: ingest(
    "/api/v1/publishers/status",
    "publishers",
    PublisherStatusIn,
    "SDK publishers report their status (heartbeats)",
  ),
  publisherSeries: {
    method: "get",
    path: "/api/v1/publishers/series",
    summary: "Sends and failures per time bucket, per publisher",
    tag: "Publishers",
    scope: "read",
    query: PublisherSeriesQuery,
    response: PublisherSeries,
  },
  createPublisher: {
    method: "post",
    path: "/api/v1/publishers",
    summary: "Add a server-side publisher",
    tag: "Publishers",
    scope: "admin",
    body: PublisherCreate,
    response: z.object({ id: z.string() }),
    status: 201,
  },
  updatePublisher: {
    method: "patch",
    path: "/api/v1/publishers/{id}",
    summary:
      "Rename, reconfigure, enable or disable a server-side publisher (credentials sent back as •••••• are kept)",
    tag: "Publishers",
    scope: "admin",
    params: PublisherParams,
    body: PublisherUpdate,
    response: z.object({ id: z.string() }),
  },
  listPublishers: {
    method: "get",
    path: "/api/v1/publishers",
    summary: "Publishers and their status",
    tag: "Publishers",
    scope: "read",
    response: PublishersResult,
  },
  listProjects: {
    method: "get",
    path: "/api/v1/projects",
    summary: "Projects",
    tag: "Settings",
    scope: "read",
    response: ProjectList,
  },
  createProject: {
    method: "post",
    path: "/api/v1/projects",
    summary: "Create a project",
    tag: "Settings",
    scope: "admin",
    body: ProjectCreate,
    response: ProjectView,
    status: 201,
  },
  updateProject: {
    method: "patch",
    path: "/api/v1/projects/{slug}",
    summary: "Rename a project, or make its /metrics public",
    description:
      "Send `name`, `public_metrics` or both. With `public_metrics: true`, GET /metrics?project=<slug> answers without credentials, so a Prometheus that cannot send a key can scrape it; `false` makes it need a key with the read scope again.",
    tag: "Settings",
    scope: "admin",
    params: ProjectParams,
    body: ProjectUpdate,
    response: ProjectView,
  },
  listKeys: {
    method: "get",
    path: "/api/v1/keys",
    summary: "The project's API keys (no secrets)",
    tag: "Settings",
    scope: "admin",
    response: KeyList,
  },
  createKey: {
    method: "post",
    path: "/api/v1/keys",
    summary: "Create an API key; the secret is in this answer only",
    tag: "Settings",
    scope: "admin",
    body: KeyCreate,
    response: CreatedKey,
    status: 201,
  },
  revokeKey: {
    method: "delete",
    path: "/api/v1/keys/{key_id}",
    summary: "Revoke an API key of the project",
    tag: "Settings",
    scope: "admin",
    params: KeyParams,
    response: z.null(),
    status: 204,
  },
  listUsers: {
    method: "get",
    path: "/api/v1/users",
    summary: "Accounts",
    tag: "Settings",
    scope: "admin",
    response: UserList,
  },
  createUser: {
    method: "post",
    path: "/api/v1/users",
    summary: "Create an account (invite with a password)",
    tag: "Settings",
    scope: "admin",
    body: UserCreate,
    response: UserView,
    status: 201,
  },
  updateUser: {
    method: "patch",
    path: "/api/v1/users/{id}",
    summary: "Change an account's role",
    tag: "Settings",
    scope: "admin",
    params: UserParams,
    body: UserUpdate,
    response: UserView,
  },
  removeUser: {
    method: "delete",
    path: "/api/v1/users/{id}",
    summary: "Remove an account and end its sessions",
    tag: "Settings",
    scope: "admin",
    params: UserParams,
    response: z.null(),
    status: 204,
  },
  openapi: {
    method: "get",
    path: "/api/v1/openapi.json",
    summary: "This document",
    tag: "Health",
    scope: null,
    response: z.record(z.string(), z.unknown()),
  },
} satisfies Record<string, Endpoint>;
