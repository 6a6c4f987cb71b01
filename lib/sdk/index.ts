// @tracedeck/sdk — instrument an application and send its telemetry to Tracedeck.
//
//   batch client    TracedeckClient, Span/Trace/Event/Metric/LogRecord, ApiKeyAuth, OAuthProvider,
//                   Config, retryWithBackoff, BatchProcessor
//   telemetry       TelemetryBuilder → TelemetryClient: counters, gauges, histograms, logs, spans;
//                   middleware for Next.js route handlers, Node http and Express; traced fetch
//   pipelines       TelemetryLogger, NetworkTelemetry, monitorEvents and the queries over them;
//                   publishers to Tracedeck, Prometheus, Elasticsearch and Grafana Cloud
//   trace context   TraceContext (per async execution), W3CTracePropagator

export * from "./client";
export * from "./context";
export * from "./pipeline";
export {
  BuilderError,
  Credentials,
  CredentialsError,
  httpMiddleware,
  installFetchInstrumentation,
  instrumentFetch,
  NotInitializedError,
  Protocol,
  SDK_VERSION,
  SeverityLevel,
  SignalType,
  TelemetryBuilder,
  TelemetryClient,
  TelemetryError,
  TelemetryFlowError,
  traceRouteHandler,
  tracedHandler,
  type LogData,
  type MetricData,
  type ServerTracingOptions,
  type SpanData,
  type TelemetryConfig,
  type TelemetryExporter,
  type TelemetryStatus,
} from "./telemetry";
