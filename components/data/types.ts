import type { AnswerOf, BodyOf } from "./api";

// The API's answers as the dashboard reads them, by endpoint: the same declarations (and zod
// schemas) that serve them and generate the OpenAPI document.

export type Services = AnswerOf<"listServices">;
export type ServiceStats = Services["services"][number];
export type ServiceSeries = AnswerOf<"serviceSeries">;
export type RedPoint = ServiceSeries["series"][number]["points"][number];
export type Operations = AnswerOf<"listOperations">;
export type ServiceMapAnswer = AnswerOf<"serviceMap">;
export type SavedView = AnswerOf<"listViews">["views"][number];
export type TraceSearch = AnswerOf<"searchTraces">;
export type TraceSummary = TraceSearch["traces"][number];
export type TraceDurationPoint = AnswerOf<"traceDurations">["points"][number];
export type Trace = AnswerOf<"getTrace">;
export type Span = Trace["spans"][number];
export type TraceOutline = AnswerOf<"getTraceOutline">;
export type Logs = AnswerOf<"searchLogs">;
export type LogRecord = Logs["logs"][number];
export type Projects = AnswerOf<"listProjects">;
export type Project = Projects["projects"][number];
export type Keys = AnswerOf<"listKeys">;
export type ApiKey = Keys["keys"][number];
export type NewKey = AnswerOf<"createKey">;
export type Users = AnswerOf<"listUsers">;
export type Account = Users["users"][number];
export type Me = AnswerOf<"authMe">;

export type PipelineSummary = AnswerOf<"pipelineSummary">;
export type PipelineEvents = AnswerOf<"listPipelineEvents">;
export type PipelineEvent = AnswerOf<"getTask">;
export type RetryStats = AnswerOf<"retryStats">;
export type NetworkOps = AnswerOf<"listNetworkOps">;
export type NetworkOp = NetworkOps["operations"][number];
export type Hosts = AnswerOf<"networkHosts">;
export type NetworkSeries = AnswerOf<"networkSeries">;

export type MetricList = AnswerOf<"listMetrics">;
export type MetricInfo = MetricList["metrics"][number];
export type MetricQueryAnswer = AnswerOf<"queryMetric">;

export type Publishers = AnswerOf<"listPublishers">;
export type Publisher = Publishers["publishers"][number];
export type PublisherSeries = AnswerOf<"publisherSeries">;

export type Retention = AnswerOf<"getRetention">;
export type RetentionSignal = keyof Retention;
export type SignalStorage = Retention[RetentionSignal];

export type ActiveAlerts = AnswerOf<"listAlerts">;
export type ActiveAlert = ActiveAlerts["alerts"][number];
export type AlertRule = AnswerOf<"listAlertRules">["rules"][number];
export type AlertState = AlertRule["state"];
export type AlertSeverity = AlertRule["severity"];
export type AlertRuleInput = BodyOf<"createAlertRule">;
/** A condition as a rule is created with it (defaults left out). */
export type AlertConditionInput = AlertRuleInput["condition"];
export type AlertConditionKind = AlertConditionInput["kind"];
export type AlertChannel = AnswerOf<"listAlertChannels">["channels"][number];
export type AlertChannelType = AlertChannel["type"];
export type AlertChannelInput = BodyOf<"createAlertChannel">;
export type ChannelTestResult = AnswerOf<"testAlertChannel">;
export type AlertHistory = AnswerOf<"alertHistory">;
export type AlertEvent = AlertHistory["events"][number];
export type AlertSilence = AnswerOf<"listAlertSilences">["silences"][number];
export type AlertSilenceInput = BodyOf<"createAlertSilence">;
