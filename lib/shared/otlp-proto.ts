// lib/shared: used by both the server and the SDK, so it imports neither (npm run lint:deps checks it).
import protobuf from "protobufjs";

// OTLP 1.x message definitions (opentelemetry-proto: common, resource, trace, metrics, logs and the
// collector export services) and google.rpc.Status, parsed once with protobufjs; shared by the
// server's receivers and the SDK's exporter. Field names are lowerCamelCase, as OTLP/JSON spells
// them, so both encodings map through the same code.
const OTLP_PROTO = `
syntax = "proto3";
package otlp;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }

message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  message Link {
    bytes trace_id = 1;
    bytes span_id = 2;
    string trace_state = 3;
    repeated KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5;
    fixed32 flags = 6;
  }
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status { string message = 2; int32 code = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }

message Metric {
  string name = 1;
  string description = 2;
  string unit = 3;
  oneof data {
    Gauge gauge = 5;
    Sum sum = 7;
    Histogram histogram = 9;
    ExponentialHistogram exponential_histogram = 10;
    Summary summary = 11;
  }
  repeated KeyValue metadata = 12;
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message ExponentialHistogram { repeated ExponentialHistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message Summary { repeated SummaryDataPoint data_points = 1; }
message NumberDataPoint {
  repeated KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  oneof value { double as_double = 4; sfixed64 as_int = 6; }
  repeated Exemplar exemplars = 5;
  uint32 flags = 8;
}
message HistogramDataPoint {
  repeated KeyValue attributes = 9;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  repeated fixed64 bucket_counts = 6;
  repeated double explicit_bounds = 7;
  repeated Exemplar exemplars = 8;
  uint32 flags = 10;
  optional double min = 11;
  optional double max = 12;
}
message ExponentialHistogramDataPoint {
  repeated KeyValue attributes = 1;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  sint32 scale = 6;
  fixed64 zero_count = 7;
  message Buckets { sint32 offset = 1; repeated uint64 bucket_counts = 2; }
  Buckets positive = 8;
  Buckets negative = 9;
  uint32 flags = 10;
  repeated Exemplar exemplars = 11;
  optional double min = 12;
  optional double max = 13;
  double zero_threshold = 14;
}
message SummaryDataPoint {
  repeated KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  double sum = 5;
  message ValueAtQuantile { double quantile = 1; double value = 2; }
  repeated ValueAtQuantile quantile_values = 6;
  uint32 flags = 8;
}
message Exemplar {
  repeated KeyValue filtered_attributes = 7;
  fixed64 time_unix_nano = 2;
  oneof value { double as_double = 3; sfixed64 as_int = 6; }
  bytes span_id = 4;
  bytes trace_id = 5;
}
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; string schema_url = 3; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; string schema_url = 3; }

message LogRecord {
  fixed64 time_unix_nano = 1;
  fixed64 observed_time_unix_nano = 11;
  int32 severity_number = 2;
  string severity_text = 3;
  AnyValue body = 5;
  repeated KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7;
  fixed32 flags = 8;
  bytes trace_id = 9;
  bytes span_id = 10;
  string event_name = 12;
}
message ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; string schema_url = 3; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; string schema_url = 3; }

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }

message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }
message ExportMetricsPartialSuccess { int64 rejected_data_points = 1; string error_message = 2; }

message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }
message ExportLogsPartialSuccess { int64 rejected_log_records = 1; string error_message = 2; }

// google.rpc.Status, the body of every OTLP/HTTP error response (and an OTLP/gRPC error's details),
// with google.rpc.RetryInfo, which tells a gRPC client when to try again
message Any { string type_url = 1; bytes value = 2; }
message RpcStatus { int32 code = 1; string message = 2; repeated Any details = 3; }
message Duration { int64 seconds = 1; int32 nanos = 2; }
message RetryInfo { Duration retry_delay = 1; }
`;

const root = protobuf.parse(OTLP_PROTO, { keepCase: false }).root;
const type = (name: string) => root.lookupType(`otlp.${name}`);

export type Signal = "traces" | "metrics" | "logs";

const REQUEST = {
  traces: type("ExportTraceServiceRequest"),
  metrics: type("ExportMetricsServiceRequest"),
  logs: type("ExportLogsServiceRequest"),
} satisfies Record<Signal, protobuf.Type>;
const RESPONSE = {
  traces: type("ExportTraceServiceResponse"),
  metrics: type("ExportMetricsServiceResponse"),
  logs: type("ExportLogsServiceResponse"),
} satisfies Record<Signal, protobuf.Type>;
const REJECTED_FIELD = { traces: "rejectedSpans", metrics: "rejectedDataPoints", logs: "rejectedLogRecords" } as const;
const RPC_STATUS = type("RpcStatus");
const RETRY_INFO = type("RetryInfo");
const RETRY_INFO_TYPE_URL = "type.googleapis.com/google.rpc.RetryInfo";

/**
 * Decodes a protobuf export request into the plain object shape OTLP/JSON has: 64-bit integers as
 * decimal strings, bytes as base64 (ids are turned to hex by the mappers), enums as numbers.
 */
export function decodeRequest(signal: Signal, bytes: Uint8Array): Record<string, unknown> {
  const message = REQUEST[signal].decode(bytes);
  return REQUEST[signal].toObject(message, { longs: String, bytes: String, enums: Number, defaults: false });
}

/** The export response: `partial_success` only when something was rejected. */
export function encodeResponse(
  signal: Signal,
  rejected: number,
  errorMessage: string,
  format: "protobuf" | "json",
): Uint8Array | string {
  const partialSuccess = rejected > 0 ? { [REJECTED_FIELD[signal]]: rejected, errorMessage } : undefined;
  if (format === "json") {
    return JSON.stringify(
      partialSuccess ? { partialSuccess: { ...partialSuccess, [REJECTED_FIELD[signal]]: String(rejected) } } : {},
    );
  }
  const type = RESPONSE[signal];
  return type.encode(type.fromObject(partialSuccess ? { partialSuccess } : {})).finish();
}

export function encodeStatus(code: number, message: string, format: "protobuf" | "json"): Uint8Array | string {
  if (format === "json") return JSON.stringify({ code, message });
  return RPC_STATUS.encode(RPC_STATUS.fromObject({ code, message })).finish();
}

/** A google.rpc.Status whose details hold a google.rpc.RetryInfo: try again after `retryAfterSeconds`. */
export function encodeRetryStatus(code: number, message: string, retryAfterSeconds: number): Uint8Array {
  const retryInfo = RETRY_INFO.encode(RETRY_INFO.fromObject({ retryDelay: { seconds: retryAfterSeconds } })).finish();
  return RPC_STATUS.encode(
    RPC_STATUS.fromObject({ code, message, details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: retryInfo }] }),
  ).finish();
}

/** A google.rpc.Status, with the delay of a RetryInfo among its details if it has one. */
export function decodeStatus(bytes: Uint8Array): { code?: number; message?: string; retryAfterSeconds?: number } {
  const status = RPC_STATUS.decode(bytes) as unknown as {
    code?: number;
    message?: string;
    details?: { typeUrl: string; value: Uint8Array }[];
  };
  const retry = status.details?.find((d) => d.typeUrl === RETRY_INFO_TYPE_URL);
  const delay = retry
    ? (RETRY_INFO.toObject(RETRY_INFO.decode(retry.value), { longs: Number }) as { retryDelay?: { seconds?: number } })
    : undefined;
  return {
    ...(status.code ? { code: status.code } : {}),
    ...(status.message ? { message: status.message } : {}),
    ...(delay ? { retryAfterSeconds: delay.retryDelay?.seconds ?? 0 } : {}),
  };
}

export function decodeResponse(signal: Signal, bytes: Uint8Array): Record<string, unknown> {
  return RESPONSE[signal].toObject(RESPONSE[signal].decode(bytes), { longs: Number });
}

/**
 * Encodes an export request given in OTLP/JSON's shape (ids as hex strings are not JSON's
 * base64: pass ids as Uint8Array), for clients that send OTLP/HTTP protobuf.
 */
export function encodeRequest(signal: Signal, request: Record<string, unknown>): Uint8Array {
  const type = REQUEST[signal];
  return type.encode(type.fromObject(request)).finish();
}
