// Task-pipeline telemetry: record task executions and network operations in memory, query them,
// and publish them to Tracedeck, Prometheus, Elasticsearch or Grafana Cloud.

export { EventMetrics, NetworkMetrics, formatMetrics, toEventMetrics, toNetworkMetrics } from "./metrics";
export type {
  EventAttributes,
  EventMetricsFields,
  EventMetricsInput,
  EventStatus,
  FormattedEvent,
  FormattedNetworkOp,
  NetworkMetricsFields,
  NetworkMetricsInput,
} from "./metrics";
export { DEFAULT_MAX_RECORDS, NetworkTelemetry, TelemetryLogger } from "./logger";
export type { TelemetryOptions } from "./logger";
export {
  defaultLogger,
  defaultNetworkTelemetry,
  getFailedEvents,
  getFailedNetworkOps,
  getMetrics,
  getRetryStats,
  getSlowEvents,
  getSlowNetworkOps,
  monitorEvents,
} from "./utilities";
export type { CollectedMetrics, EventNameRetryStats, MonitorOptions, RetryStats } from "./utilities";
export type {
  BatchingOptions,
  MetricsPublisher,
  PublisherOptions,
  PublisherState,
  PublisherStatus,
  PublisherType,
  StatusReporting,
} from "./publisher";
export { TracedeckPublisher } from "./tracedeck";
export type { TracedeckPublisherOptions } from "./tracedeck";
export { PrometheusPublisher } from "./prometheus";
export type { PrometheusPublisherOptions } from "./prometheus";
export { ElasticsearchPublisher } from "./elasticsearch";
export type { ElasticsearchPublisherOptions } from "./elasticsearch";
export { GrafanaCloudPublisher } from "./grafana";
export type { GrafanaCloudPublisherOptions } from "./grafana";
export { CompositePublisher } from "./composite";
