import type { z } from "zod";
import type { LogSearchResult } from "@/lib/query/logs";
import type { MetricListResult, MetricQueryResult } from "@/lib/query/metrics";
import type { PublisherSeries as PublisherSeriesSchema, PublishersResult } from "@/lib/query/publishers";
import type {
  HostsResult,
  NetworkResult,
  NetworkSeries as NetworkSeriesSchema,
  PipelineEventView,
  PipelineEventsResult,
  PipelineSummary as PipelineSummarySchema,
  RetryStats as RetryStatsSchema,
} from "@/lib/query/pipeline";
import type { OperationsResult, ServiceSeriesResult, ServicesResult } from "@/lib/query/services";
import type { SpanView, TraceSearchResult, TraceView } from "@/lib/query/traces";
import type { CreatedKey, KeyList, ProjectList, UserList } from "@/lib/auth/settings";

// The API's answers as the dashboard reads them: the same zod schemas that generate the OpenAPI document.

export type Services = z.output<typeof ServicesResult>;
export type ServiceStats = Services["services"][number];
export type ServiceSeries = z.output<typeof ServiceSeriesResult>;
export type RedPoint = ServiceSeries["series"][number]["points"][number];
export type Operations = z.output<typeof OperationsResult>;
export type TraceSearch = z.output<typeof TraceSearchResult>;
export type TraceSummary = TraceSearch["traces"][number];
export type Trace = z.output<typeof TraceView>;
export type Span = z.output<typeof SpanView>;
export type Logs = z.output<typeof LogSearchResult>;
export type LogRecord = Logs["logs"][number];
export type Projects = z.output<typeof ProjectList>;
export type Project = Projects["projects"][number];
export type Keys = z.output<typeof KeyList>;
export type ApiKey = Keys["keys"][number];
export type NewKey = z.output<typeof CreatedKey>;
export type Users = z.output<typeof UserList>;
export type Account = Users["users"][number];
export type Me = { user: { id: string; email: string; role: "admin" | "viewer" } | null; setup_required: boolean };

export type PipelineSummary = z.output<typeof PipelineSummarySchema>;
export type PipelineEvents = z.output<typeof PipelineEventsResult>;
export type PipelineEvent = z.output<typeof PipelineEventView>;
export type RetryStats = z.output<typeof RetryStatsSchema>;
export type NetworkOps = z.output<typeof NetworkResult>;
export type NetworkOp = NetworkOps["operations"][number];
export type Hosts = z.output<typeof HostsResult>;
export type NetworkSeries = z.output<typeof NetworkSeriesSchema>;

export type MetricList = z.output<typeof MetricListResult>;
export type MetricInfo = MetricList["metrics"][number];
export type MetricQueryAnswer = z.output<typeof MetricQueryResult>;

export type Publishers = z.output<typeof PublishersResult>;
export type Publisher = Publishers["publishers"][number];
export type PublisherSeries = z.output<typeof PublisherSeriesSchema>;
