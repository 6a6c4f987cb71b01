// The batch-sending client of the Tracedeck SDK.
export { ApiKeyAuth, OAuthProvider, type AuthProvider, type OAuthProviderOptions } from "./auth";
export { BatchProcessor, type BatchProcessorOptions, type DropReason } from "./batch";
export {
  TracedeckClient,
  type ClientBatchProcessorOptions,
  type HealthStatus,
  type Signal,
  type SignalItems,
  type IngestResult,
  type ItemRejection,
  type SendOptions,
  type TracedeckClientOptions,
} from "./client";
export { Config, DEFAULT_CONFIG, type ConfigOptions } from "./config";
export { AuthenticationError, ConfigError, RetryableError, TracedeckError } from "./errors";
export { newSpanId, newTraceId } from "./ids";
export { timeoutMs, type TimeSpan } from "./timeout";
export {
  Event,
  LogRecord,
  Metric,
  MetricType,
  Severity,
  Span,
  SpanKind,
  SpanStatus,
  Trace,
  type Attributes,
  type EventJSON,
  type LogRecordJSON,
  type MetricJSON,
  type SpanJSON,
  type SpanOptions,
} from "./models";
export {
  RETRYABLE_STATUSES,
  isNetworkError,
  parseRetryAfter,
  retryWithBackoff,
  type RetryInfo,
  type RetryOptions,
} from "./retry";
