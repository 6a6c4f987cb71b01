export { TelemetryBuilder } from "./builder";
export { SDK_VERSION, TelemetryClient, type TelemetryExporter, type TelemetryStatus } from "./client";
export { Protocol, SignalType, type TelemetryConfig } from "./config";
export { Credentials } from "./credentials";
export {
  BuilderError,
  ConfigError,
  CredentialsError,
  NotInitializedError,
  TelemetryError,
  TelemetryFlowError,
} from "./errors";
export {
  httpMiddleware,
  installFetchInstrumentation,
  instrumentFetch,
  traceRouteHandler,
  tracedHandler,
  type ServerTracingOptions,
} from "./middleware";
export { SeverityLevel, SpanKind, type Attributes, type LogData, type MetricData, type SpanData } from "./records";
