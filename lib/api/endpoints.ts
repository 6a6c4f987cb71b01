import { z } from "zod";
import type { Ctx } from "@/lib/auth/context";
import { changePasswordRequest, loginRequest, logoutRequest, meRequest, setupRequest } from "@/lib/auth/session-api";
import {
  createProject,
  createProjectKey,
  createUser,
  listProjectKeys,
  listProjects,
  listUsers,
  removeUser,
  revokeProjectKey,
  updateProject,
  updateUser,
} from "@/lib/auth/settings";
import {
  ingestEvents,
  ingestLogs,
  ingestMetrics,
  ingestNetworkOps,
  ingestPipelineEvents,
  ingestSpans,
} from "@/lib/ingest/native";
import { ingestZipkinSpans } from "@/lib/ingest/zipkin";
import { createPublisher, ingestPublisherStatus, updatePublisher } from "@/lib/publishers/manage";
import { EXPOSITION_CONTENT_TYPE, renderExposition } from "@/lib/query/exposition";
import { searchEvents, searchLogs } from "@/lib/query/logs";
import { listMetrics, queryMetric } from "@/lib/query/metrics";
import { projectStats } from "@/lib/query/overview";
import {
  getTask,
  listNetworkOps,
  listPipelineEvents,
  listSlowEvents,
  listSlowNetworkOps,
  networkHosts,
  networkSeries,
  pipelineSummary,
  retryStats,
} from "@/lib/query/pipeline";
import { listPublishers, publisherSeries } from "@/lib/query/publishers";
import { listOperations, listServices, serviceSeries } from "@/lib/query/services";
import { serviceMap, ServiceMap, ServiceMapQuery } from "@/lib/query/service-map";
import {
  createView,
  deleteView,
  listViews,
  renameView,
  SavedView,
  SavedViews,
  ViewCreate,
  ViewParams,
  ViewUpdate,
} from "@/lib/auth/views";
import { getTrace, searchTraces, traceDurations } from "@/lib/query/traces";
import {
  activeAlerts,
  ActiveAlerts,
  AlertHistory,
  alertHistory,
  AlertSilence,
  AlertSilences,
  createSilence,
  endSilence,
  HistoryQuery,
  listSilences,
  SilenceCreate,
  SilenceParams,
} from "@/lib/alerts/activity";
import {
  AlertChannel,
  AlertChannels,
  ChannelCreate,
  ChannelParams,
  ChannelTestResult,
  ChannelUpdate,
  createChannel,
  deleteChannel,
  listChannels,
  testChannel,
  updateChannel,
} from "@/lib/alerts/manage-channels";
import {
  AlertRule,
  AlertRules,
  createRule,
  deleteRule,
  getRule,
  listRules,
  RuleCreate,
  RuleParams,
  RuleUpdate,
  updateRule,
} from "@/lib/alerts/rules";
import {
  traceOutlineJson,
  getTraceSpan,
  TraceOutline,
  TraceOutlineQuery,
  TraceSpanParams,
  TraceSpans,
} from "@/lib/query/trace-outline";
import { documented, endpoint, JsonText, publicEndpoint, type Endpoint } from "./endpoint";
import type { EndpointName } from "./routes";
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
  TaskQuery,
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
import {
  TraceDurations,
  TraceDurationsQuery,
  TraceIdParams,
  TraceQuery,
  TraceSearchQuery,
  TraceSearchResult,
  TraceView,
} from "@/lib/query/traces";
import { getRetention, RetentionUpdate, RetentionView, updateRetention } from "@/lib/storage/retention";

// Every REST endpoint, declared once with its schemas and the verb that serves it: route handlers
// (`route(endpoints.x)`), the dashboard's server prefetch and the OpenAPI document are all made
// from these declarations.

const IngestResult = z
  .object({
    accepted: z.number(),
    rejected: z.number(),
    errors: z.array(z.object({ index: z.number(), message: z.string() })),
  })
  .meta({ id: "IngestResult" });

const batch = (key: string, item: z.ZodType) => z.union([z.object({ [key]: z.array(item) }), z.array(item)]);

type IngestVerb = (args: { ctx: Ctx; input: unknown }) => Promise<z.input<typeof IngestResult>>;

const ingest = <N extends EndpointName>(name: N, key: string, item: z.ZodType, summary: string, verb: IngestVerb) =>
  endpoint(name, {
    summary,
    tag: "Ingest",
    scope: "ingest",
    body: batch(key, item),
    response: IngestResult,
    serve: ({ ctx, body }) => verb({ ctx, input: body }),
  });

export const Health = z.object({
  status: z.enum(["ok", "unavailable"]),
  version: z.string(),
  database: z.enum(["ok", "unavailable"]),
  driver: z.enum(["pglite", "postgres"]).optional(),
  replica: z.enum(["ok", "lagging", "down"]).optional().meta({
    description:
      "with DATABASE_READ_URL: ok while queries read the replica; lagging (past TRACEDECK_REPLICA_MAX_LAG_MS) or down while they read the primary",
  }),
});

const OtlpBody = z.unknown().meta({
  description:
    "ExportTraceServiceRequest / ExportMetricsServiceRequest / ExportLogsServiceRequest, protobuf or OTLP/JSON",
});
const otlp = <N extends EndpointName>(name: N, signal: string) =>
  documented(name, {
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
  authSetup: publicEndpoint("authSetup", {
    summary: "First run: create the first admin and sign in (only while no account exists)",
    tag: "Accounts",
    body: CredentialsBody,
    response: z.object({ user: User }),
    status: 201,
    serve: setupRequest,
  }),
  authLogin: publicEndpoint("authLogin", {
    summary: "Sign in; sets the session cookie",
    tag: "Accounts",
    body: CredentialsBody,
    response: z.object({ user: User }),
    serve: loginRequest,
  }),
  authLogout: publicEndpoint("authLogout", {
    summary: "Sign out; ends the session",
    tag: "Accounts",
    response: z.void(),
    status: 204,
    serve: logoutRequest,
  }),
  authMe: publicEndpoint("authMe", {
    summary: "The signed-in account, and whether first-run setup is needed",
    tag: "Accounts",
    response: z.object({ user: User.nullable(), setup_required: z.boolean() }),
    serve: meRequest,
  }),
  authChangePassword: endpoint("authChangePassword", {
    summary: "Change the signed-in account's password; ends its other sessions",
    description:
      "For a dashboard session only (a key has no password). `current_password` must be right: wrong ones answer 403 and are throttled as sign-ins are. `new_password` has at least 12 characters and is not a common password. Every session of the account ends; the answer sets a fresh session cookie for this one.",
    tag: "Accounts",
    scope: "read",
    body: z.object({ current_password: z.string(), new_password: z.string() }),
    response: z.object({ user: User }),
    serve: changePasswordRequest,
  }),

  oauthToken: documented("oauthToken", {
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
  }),
  oauthRevoke: documented("oauthRevoke", {
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
  }),
  health: documented("health", {
    summary: "Server and database health (no credentials)",
    tag: "Health",
    scope: null,
    response: Health,
  }),
  ingestSpans: ingest("ingestSpans", "spans", SpanIn, "Send spans", ingestSpans),
  ingestEvents: ingest("ingestEvents", "events", EventIn, "Send events", ingestEvents),
  ingestMetrics: ingest("ingestMetrics", "metrics", MetricIn, "Send metric points", ingestMetrics),
  ingestLogs: ingest("ingestLogs", "logs", LogIn, "Send logs", ingestLogs),
  ingestPipelineEvents: ingest(
    "ingestPipelineEvents",
    "events",
    PipelineEventIn,
    "Send task executions (pipeline events)",
    ingestPipelineEvents,
  ),
  ingestNetworkOps: ingest("ingestNetworkOps", "operations", NetworkOpIn, "Send network operations", ingestNetworkOps),
  ingestZipkin: {
    ...ingest("ingestZipkin", "spans", ZipkinSpan, "Zipkin v2 JSON spans", ingestZipkinSpans),
    tag: "Zipkin",
    status: 202,
  },
  otlpTraces: otlp("otlpTraces", "traces"),
  otlpMetrics: otlp("otlpMetrics", "metrics"),
  otlpLogs: otlp("otlpLogs", "logs"),

  prometheusMetrics: endpoint("prometheusMetrics", {
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
    serve: async ({ ctx }) =>
      new Response(await renderExposition({ ctx }), { headers: { "content-type": EXPOSITION_CONTENT_TYPE } }),
  }),
  projectStats: endpoint("projectStats", {
    summary:
      "How many spans, traces, metric points, logs, events, pipeline events and network operations the project holds",
    tag: "Health",
    scope: "read",
    response: ProjectStats,
    serve: ({ ctx }) => projectStats({ ctx }),
  }),
  searchTraces: endpoint("searchTraces", {
    summary: "Search traces, newest first",
    tag: "Traces",
    scope: "read",
    query: TraceSearchQuery,
    response: TraceSearchResult,
    serve: ({ ctx, query }) => searchTraces({ ctx, input: query }),
  }),
  traceDurations: endpoint("traceDurations", {
    summary: "The durations of the range's matching traces, for a chart: all of them, or the slowest of each slice",
    tag: "Traces",
    scope: "read",
    query: TraceDurationsQuery,
    response: TraceDurations,
    serve: ({ ctx, query }) => traceDurations({ ctx, input: query }),
  }),
  getTrace: endpoint("getTrace", {
    summary: "A trace: the whole trace, or a page of a long one",
    tag: "Traces",
    scope: "read",
    params: TraceIdParams,
    query: TraceQuery,
    response: TraceView,
    serve: ({ ctx, params, query }) => getTrace({ ctx, input: { ...params, ...query } }),
  }),
  getTraceOutline: endpoint("getTraceOutline", {
    summary: "A trace's outline: its spans' tree, names and times in columns, for a viewer",
    description:
      "What a waterfall draws of a trace, compact: one array per field and a dictionary of strings, up to 50,000 spans an answer. Read the top of a long trace with `order=start`, then every span by `order=span_id` pages; open a span with `GET /api/v1/traces/{trace_id}/spans/{span_id}`.",
    tag: "Traces",
    scope: "read",
    params: TraceIdParams,
    query: TraceOutlineQuery,
    response: TraceOutline,
    serve: async ({ ctx, params, query }) =>
      new JsonText(await traceOutlineJson({ ctx, input: { ...params, ...query } })),
  }),
  getTraceSpan: endpoint("getTraceSpan", {
    summary: "A span of a trace, whole: attributes, events, links, resource",
    tag: "Traces",
    scope: "read",
    params: TraceSpanParams,
    response: TraceSpans,
    serve: ({ ctx, params }) => getTraceSpan({ ctx, input: params }),
  }),
  listServices: endpoint("listServices", {
    summary: "RED per service",
    tag: "Services",
    scope: "read",
    query: ServicesQuery,
    response: ServicesResult,
    serve: ({ ctx, query }) => listServices({ ctx, input: query }),
  }),
  serviceSeries: endpoint("serviceSeries", {
    summary: "RED of requests over time, per service",
    tag: "Services",
    scope: "read",
    query: ServiceSeriesQuery,
    response: ServiceSeriesResult,
    serve: ({ ctx, query }) => serviceSeries({ ctx, input: query }),
  }),
  serviceMap: endpoint("serviceMap", {
    summary: "The service map: services with their RED, and the calls between them with rate, errors and p95",
    tag: "Services",
    scope: "read",
    query: ServiceMapQuery,
    response: ServiceMap,
    serve: ({ ctx, query }) => serviceMap({ ctx, input: query }),
  }),
  listViews: endpoint("listViews", {
    summary: "The project's saved views: dashboard pages with their filters and time range, by name",
    tag: "Views",
    scope: "read",
    // a view just saved is listed at once
    readsPrimary: true,
    response: SavedViews,
    serve: ({ ctx }) => listViews({ ctx }),
  }),
  createView: endpoint("createView", {
    summary: "Save a dashboard page (its path and query) under a name, for everyone who reads the project",
    tag: "Views",
    scope: "read",
    body: ViewCreate,
    response: SavedView,
    status: 201,
    serve: ({ ctx, body }) => createView({ ctx, input: body }),
  }),
  renameView: endpoint("renameView", {
    summary: "Rename a saved view (its author or an admin)",
    tag: "Views",
    scope: "read",
    params: ViewParams,
    body: ViewUpdate,
    response: SavedView,
    serve: ({ ctx, params, body }) => renameView({ ctx, input: { id: params.id, body } }),
  }),
  deleteView: endpoint("deleteView", {
    summary: "Delete a saved view (its author or an admin)",
    tag: "Views",
    scope: "read",
    params: ViewParams,
    response: z.void(),
    status: 204,
    serve: ({ ctx, params }) => deleteView({ ctx, input: params }),
  }),
  listAlerts: endpoint("listAlerts", {
    summary: "What is not ok now: every firing, pending, no-data and resolved group, firing first, with counts",
    tag: "Alerts",
    scope: "read",
    readsPrimary: true,
    response: ActiveAlerts,
    serve: ({ ctx }) => activeAlerts({ ctx }),
  }),
  listAlertRules: endpoint("listAlertRules", {
    summary: "The project's alert rules with their state per group",
    tag: "Alerts",
    scope: "read",
    readsPrimary: true,
    response: AlertRules,
    serve: ({ ctx }) => listRules({ ctx }),
  }),
  createAlertRule: endpoint("createAlertRule", {
    summary: "Add an alert rule: a condition over the last minutes, evaluated every minute (admin)",
    tag: "Alerts",
    scope: "admin",
    body: RuleCreate,
    response: AlertRule,
    status: 201,
    serve: ({ ctx, body }) => createRule({ ctx, input: body }),
  }),
  getAlertRule: endpoint("getAlertRule", {
    summary: "One alert rule with its state per group",
    tag: "Alerts",
    scope: "read",
    readsPrimary: true,
    params: RuleParams,
    response: AlertRule,
    serve: ({ ctx, params }) => getRule({ ctx, input: params }),
  }),
  updateAlertRule: endpoint("updateAlertRule", {
    summary: "Change an alert rule (admin)",
    tag: "Alerts",
    scope: "admin",
    params: RuleParams,
    body: RuleUpdate,
    response: AlertRule,
    serve: ({ ctx, params, body }) => updateRule({ ctx, input: { id: params.id, body } }),
  }),
  deleteAlertRule: endpoint("deleteAlertRule", {
    summary: "Delete an alert rule with its states and history (admin)",
    tag: "Alerts",
    scope: "admin",
    params: RuleParams,
    response: z.void(),
    status: 204,
    serve: ({ ctx, params }) => deleteRule({ ctx, input: params }),
  }),
  listAlertChannels: endpoint("listAlertChannels", {
    summary: "The project's notification channels, with how their sends went (credentials redacted)",
    tag: "Alerts",
    scope: "read",
    readsPrimary: true,
    response: AlertChannels,
    serve: ({ ctx }) => listChannels({ ctx }),
  }),
  createAlertChannel: endpoint("createAlertChannel", {
    summary: "Add a notification channel: webhook, Slack, email (SMTP) or PagerDuty (admin)",
    tag: "Alerts",
    scope: "admin",
    body: ChannelCreate,
    response: AlertChannel,
    status: 201,
    serve: ({ ctx, body }) => createChannel({ ctx, input: body }),
  }),
  updateAlertChannel: endpoint("updateAlertChannel", {
    summary: "Rename, reconfigure, enable or disable a channel (credentials sent back as •••••• are kept) (admin)",
    tag: "Alerts",
    scope: "admin",
    params: ChannelParams,
    body: ChannelUpdate,
    response: AlertChannel,
    serve: ({ ctx, params, body }) => updateChannel({ ctx, input: { id: params.id, body } }),
  }),
  deleteAlertChannel: endpoint("deleteAlertChannel", {
    summary: "Delete a channel; the rules that named it no longer do (admin)",
    tag: "Alerts",
    scope: "admin",
    params: ChannelParams,
    response: z.void(),
    status: 204,
    serve: ({ ctx, params }) => deleteChannel({ ctx, input: params }),
  }),
  testAlertChannel: endpoint("testAlertChannel", {
    summary: "Send a test message through a channel now, and say whether it arrived (admin)",
    tag: "Alerts",
    scope: "admin",
    params: ChannelParams,
    response: ChannelTestResult,
    serve: ({ ctx, params }) => testChannel({ ctx, input: params }),
  }),
  alertHistory: endpoint("alertHistory", {
    summary: "Every change of alert state in the range, newest first, with each notification's delivery",
    tag: "Alerts",
    scope: "read",
    readsPrimary: true,
    query: HistoryQuery,
    response: AlertHistory,
    serve: ({ ctx, query }) => alertHistory({ ctx, input: query }),
  }),
  listAlertSilences: endpoint("listAlertSilences", {
    summary: "Silences in force or to come",
    tag: "Alerts",
    scope: "read",
    readsPrimary: true,
    response: AlertSilences,
    serve: ({ ctx }) => listSilences({ ctx }),
  }),
  createAlertSilence: endpoint("createAlertSilence", {
    summary:
      "Mute a rule, or every rule, for a while, with a reason: its changes are recorded but nobody is told (admin)",
    tag: "Alerts",
    scope: "admin",
    body: SilenceCreate,
    response: AlertSilence,
    status: 201,
    serve: ({ ctx, body }) => createSilence({ ctx, input: body }),
  }),
  endAlertSilence: endpoint("endAlertSilence", {
    summary: "End a silence now (admin)",
    tag: "Alerts",
    scope: "admin",
    params: SilenceParams,
    response: z.void(),
    status: 204,
    serve: ({ ctx, params }) => endSilence({ ctx, input: params }),
  }),
  listOperations: endpoint("listOperations", {
    summary: "RED per operation of a service",
    tag: "Services",
    scope: "read",
    query: ServicesQuery,
    params: ServiceParams,
    response: OperationsResult,
    serve: ({ ctx, query, params }) => listOperations({ ctx, input: { ...query, ...params } }),
  }),
  listMetrics: endpoint("listMetrics", {
    summary: "Metric names with type, unit, description and tag keys",
    tag: "Metrics",
    scope: "read",
    query: MetricListQuery,
    response: MetricListResult,
    serve: ({ ctx, query }) => listMetrics({ ctx, input: query }),
  }),
  queryMetric: endpoint("queryMetric", {
    summary: "A metric's series, bucketed and aggregated",
    tag: "Metrics",
    scope: "read",
    query: MetricQuery,
    response: MetricQueryResult,
    serve: ({ ctx, query }) => queryMetric({ ctx, input: query }),
  }),
  searchLogs: endpoint("searchLogs", {
    summary: "Search logs, newest first",
    tag: "Logs",
    scope: "read",
    query: LogSearchQuery,
    response: LogSearchResult,
    serve: ({ ctx, query }) => searchLogs({ ctx, input: query }),
  }),
  searchEvents: endpoint("searchEvents", {
    summary: "Search events, newest first",
    tag: "Events",
    scope: "read",
    query: EventSearchQuery,
    response: EventSearchResult,
    serve: ({ ctx, query }) => searchEvents({ ctx, input: query }),
  }),
  listPipelineEvents: endpoint("listPipelineEvents", {
    summary: "Task executions (status=failed for failed events)",
    tag: "Pipeline",
    scope: "read",
    query: PipelineEventsQuery,
    response: PipelineEventsResult,
    serve: ({ ctx, query }) => listPipelineEvents({ ctx, input: query }),
  }),
  listSlowEvents: endpoint("listSlowEvents", {
    summary: "Events slower than threshold_seconds, slowest first",
    tag: "Pipeline",
    scope: "read",
    query: SlowQuery,
    response: PipelineEventsResult,
    serve: ({ ctx, query }) => listSlowEvents({ ctx, input: query }),
  }),
  getTask: endpoint("getTask", {
    summary: "A task's record",
    tag: "Pipeline",
    scope: "read",
    params: TaskParams,
    query: TaskQuery,
    response: PipelineEventView,
    serve: ({ ctx, params, query }) => getTask({ ctx, input: { ...params, ...query } }),
  }),
  pipelineSummary: endpoint("pipelineSummary", {
    summary: "Runs, failures, retries and stuck tasks: totals, over time, and the distribution of retry counts",
    tag: "Pipeline",
    scope: "read",
    query: PipelineSummaryQuery,
    response: PipelineSummary,
    serve: ({ ctx, query }) => pipelineSummary({ ctx, input: query }),
  }),
  networkSeries: endpoint("networkSeries", {
    summary: "Operations, errors, bytes and latency over time per host:port",
    tag: "Pipeline",
    scope: "read",
    query: NetworkSeriesQuery,
    response: NetworkSeries,
    serve: ({ ctx, query }) => networkSeries({ ctx, input: query }),
  }),
  retryStats: endpoint("retryStats", {
    summary: "Retry statistics",
    tag: "Pipeline",
    scope: "read",
    query: RetryStatsQuery,
    response: RetryStats,
    serve: ({ ctx, query }) => retryStats({ ctx, input: query }),
  }),
  listNetworkOps: endpoint("listNetworkOps", {
    summary: "Network operations (failed=true for failed ones)",
    tag: "Pipeline",
    scope: "read",
    query: NetworkQuery,
    response: NetworkResult,
    serve: ({ ctx, query }) => listNetworkOps({ ctx, input: query }),
  }),
  listSlowNetworkOps: endpoint("listSlowNetworkOps", {
    summary: "Network operations slower than threshold_seconds",
    tag: "Pipeline",
    scope: "read",
    query: SlowNetworkQuery,
    response: NetworkResult,
    serve: ({ ctx, query }) => listSlowNetworkOps({ ctx, input: query }),
  }),
  networkHosts: endpoint("networkHosts", {
    summary: "Totals per host:port",
    tag: "Pipeline",
    scope: "read",
    query: HostsQuery,
    response: HostsResult,
    serve: ({ ctx, query }) => networkHosts({ ctx, input: query }),
  }),
  ingestPublisherStatus: ingest(
    "ingestPublisherStatus",
    "publishers",
    PublisherStatusIn,
    "SDK publishers report their status (heartbeats)",
    ingestPublisherStatus,
  ),
  publisherSeries: endpoint("publisherSeries", {
    summary: "Sends and failures per time bucket, per publisher",
    tag: "Publishers",
    scope: "read",
    query: PublisherSeriesQuery,
    response: PublisherSeries,
    serve: ({ ctx, query }) => publisherSeries({ ctx, input: query }),
  }),
  createPublisher: endpoint("createPublisher", {
    summary: "Add a server-side publisher",
    tag: "Publishers",
    scope: "admin",
    body: PublisherCreate,
    response: z.object({ id: z.string() }),
    status: 201,
    serve: ({ ctx, body }) => createPublisher({ ctx, input: body }),
  }),
  updatePublisher: endpoint("updatePublisher", {
    summary:
      "Rename, reconfigure, enable or disable a server-side publisher (credentials sent back as •••••• are kept)",
    tag: "Publishers",
    scope: "admin",
    params: PublisherParams,
    body: PublisherUpdate,
    response: z.object({ id: z.string() }),
    serve: ({ ctx, params, body }) => updatePublisher({ ctx, input: { id: params.id, body } }),
  }),
  listPublishers: endpoint("listPublishers", {
    summary: "Publishers and their status",
    tag: "Publishers",
    scope: "read",
    readsPrimary: true, // a publisher just added or edited is listed at once
    response: PublishersResult,
    serve: ({ ctx }) => listPublishers({ ctx }),
  }),
  listProjects: endpoint("listProjects", {
    summary: "Projects",
    tag: "Settings",
    scope: "read",
    readsPrimary: true, // a project just created is listed at once
    response: ProjectList,
    serve: ({ ctx }) => listProjects({ ctx }),
  }),
  createProject: endpoint("createProject", {
    summary: "Create a project",
    tag: "Settings",
    scope: "instance",
    body: ProjectCreate,
    response: ProjectView,
    status: 201,
    serve: ({ ctx, body }) => createProject({ ctx, input: body }),
  }),
  updateProject: endpoint("updateProject", {
    summary: "Rename a project, or make its /metrics public",
    description:
      "Send `name`, `public_metrics` or both. With `public_metrics: true`, GET /metrics?project=<slug> answers without credentials, so a Prometheus that cannot send a key can scrape it; `false` makes it need a key with the read scope again.",
    tag: "Settings",
    scope: "instance",
    params: ProjectParams,
    body: ProjectUpdate,
    response: ProjectView,
    serve: ({ ctx, params, body }) => updateProject({ ctx, input: { slug: params.slug, body } }),
  }),
  listKeys: endpoint("listKeys", {
    summary: "The project's API keys (no secrets)",
    tag: "Settings",
    scope: "admin",
    response: KeyList,
    serve: ({ ctx }) => listProjectKeys({ ctx }),
  }),
  createKey: endpoint("createKey", {
    summary: "Create an API key; the secret is in this answer only",
    tag: "Settings",
    scope: "admin",
    body: KeyCreate,
    response: CreatedKey,
    status: 201,
    serve: ({ ctx, body }) => createProjectKey({ ctx, input: body }),
  }),
  revokeKey: endpoint("revokeKey", {
    summary: "Revoke an API key of the project",
    tag: "Settings",
    scope: "admin",
    params: KeyParams,
    response: z.void(),
    status: 204,
    serve: ({ ctx, params }) => revokeProjectKey({ ctx, input: params }),
  }),
  getRetention: endpoint("getRetention", {
    summary: "How many days each signal is kept, and the disk it uses now (instance-wide: signed-in admins)",
    tag: "Settings",
    scope: "instance",
    response: RetentionView,
    serve: ({ ctx }) => getRetention({ ctx }),
  }),
  updateRetention: endpoint("updateRetention", {
    summary:
      "Set how many days signals are kept; older days are dropped within minutes (whole partitions) and older records are not stored",
    tag: "Settings",
    scope: "instance",
    body: RetentionUpdate,
    response: RetentionView,
    serve: ({ ctx, body }) => updateRetention({ ctx, input: body }),
  }),
  listUsers: endpoint("listUsers", {
    summary: "Accounts",
    tag: "Settings",
    scope: "instance",
    response: UserList,
    serve: ({ ctx }) => listUsers({ ctx }),
  }),
  createUser: endpoint("createUser", {
    summary: "Create an account (invite with a password)",
    tag: "Settings",
    scope: "instance",
    body: UserCreate,
    response: UserView,
    status: 201,
    serve: ({ ctx, body }) => createUser({ ctx, input: body }),
  }),
  updateUser: endpoint("updateUser", {
    summary: "Change an account's role",
    tag: "Settings",
    scope: "instance",
    params: UserParams,
    body: UserUpdate,
    response: UserView,
    serve: ({ ctx, params, body }) => updateUser({ ctx, input: { id: params.id, body } }),
  }),
  removeUser: endpoint("removeUser", {
    summary: "Remove an account and end its sessions",
    tag: "Settings",
    scope: "instance",
    params: UserParams,
    response: z.void(),
    status: 204,
    serve: ({ ctx, params }) => removeUser({ ctx, input: params }),
  }),
  openapi: documented("openapi", {
    summary: "This document",
    tag: "Health",
    scope: null,
    response: z.record(z.string(), z.unknown()),
  }),
} satisfies { [N in EndpointName]: Endpoint & { name: N } };
