// The pipeline telemetry model's queries (failed and slow events, a task's record, retry
// statistics, failed and slow network operations, totals per host:port) over the stored data.

export { PipelineEventView, PipelineEventsResult } from "./events";
export { PipelineEventsQuery, listPipelineEvents } from "./list-pipeline-events";
export { SlowQuery, listSlowEvents } from "./list-slow-events";
export { TaskParams, TaskQuery, getTask } from "./get-task";
export { RetryStats, RetryStatsQuery, retryStats } from "./retry-stats";
export { NetworkOpView, NetworkResult } from "./network";
export { NetworkQuery, listNetworkOps } from "./list-network-ops";
export { SlowNetworkQuery, listSlowNetworkOps } from "./list-slow-network-ops";
export { HostStats, HostsQuery, HostsResult, networkHosts } from "./network-hosts";
export { PipelineSummary, PipelineSummaryQuery, pipelineSummary } from "./pipeline-summary";
export { NetworkPoint, NetworkSeries, NetworkSeriesQuery, networkSeries } from "./network-series";
