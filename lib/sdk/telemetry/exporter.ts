import type { Agent } from "node:http";
import { constants, gzip } from "node:zlib";
import { promisify } from "node:util";
import { errorMessage } from "../../shared/error-message";
import { encodeRequest } from "../../shared/otlp-proto";
import { RetryableError, TracedeckError } from "../client/errors";
import { parseRetryAfter, retryWithBackoff } from "../client/retry";
import { compresses, Protocol, type TelemetryConfig } from "./config";
import { GrpcExport, loadGrpc } from "./grpc";
import { keptAliveAgent, post, type Answer } from "./http-post";
import { traceRequestEncoder } from "./otlp-encode";
import { nanosText, SEVERITY_NUMBER, type Attributes, type LogData, type MetricData, type SpanData } from "./records";

const gzipAsync = promisify(gzip);

// Turns buffered records into requests and sends them: OTLP/gRPC, Tracedeck's native JSON endpoints, or
// OTLP/HTTP protobuf. Histograms go over OTLP either way, since the native metric item holds one
// value and no buckets.

export type Signal = "traces" | "logs" | "metrics";

const COMPRESS_ABOVE_BYTES = 1024;
// gzip's fastest level: span batches shrink 6× (OTLP) to 13× (JSON) at it, and zlib's default level 6 takes over twice
// the CPU for 5% fewer bytes
const GZIP_OPTIONS = { level: constants.Z_BEST_SPEED };

/** A value as OTLP's AnyValue. */
function anyValue(value: unknown): Record<string, unknown> {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  if (typeof value === "bigint") return { intValue: value.toString() };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  if (value && typeof value === "object") return { kvlistValue: { values: keyValues(value as Attributes) } };
  return { stringValue: String(value) };
}

const keyValues = (attributes: Attributes) =>
  Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
const hexBytes = (hex: string) => Buffer.from(hex, "hex");

export class Exporter {
  /** counts of what the server took, and of what it refused or never got */
  readonly counts = { spans: 0, logs: 0, metrics: 0, failed: 0 };
  lastError: string | undefined;

  /** the protocol in use: the configured one, once gRPC's availability is known (protocol()) */
  private resolved: Promise<Protocol> | undefined;
  private grpc: GrpcExport | undefined;
  private closed = false;
  private readonly compress: boolean;
  private readonly agent: Agent;
  private readonly encodeTraces: (spans: readonly SpanData[]) => Uint8Array;
  /** what every native span ends with: its resource, serialized once */
  private readonly nativeSpanTail: string;

  constructor(
    private readonly config: TelemetryConfig,
    private readonly resource: Attributes,
    private readonly version: string,
    /** what the client says when it falls back from gRPC to HTTP */
    private readonly warn: (message: string) => void = (message) => console.warn(`tracedeck-sdk: ${message}`),
  ) {
    this.compress = compresses(config.compression, config.endpoint);
    this.agent = keptAliveAgent(config.endpoint);
    this.encodeTraces = traceRequestEncoder(resource, this.scope());
    this.nativeSpanTail = `,"resource_attributes":${JSON.stringify(resource)}}`;
  }

  /**
   * gRPC needs @grpc/grpc-js, loaded on the first export. Without it, a client that did not choose gRPC sends over
   * HTTP (native JSON) and says so once; one told withGrpc() keeps failing its exports, saying why.
   */
  private protocol(): Promise<Protocol> {
    this.resolved ??= (async () => {
      if (this.config.protocol !== Protocol.GRPC) return this.config.protocol;
      const grpc = await loadGrpc();
      if (grpc) {
        this.grpc = new GrpcExport(grpc, this.config.grpcEndpoint, {
          secure: this.config.endpoint.startsWith("https:") && !this.config.insecure,
          compression: compresses(this.config.compression, this.config.grpcEndpoint),
          headers: { ...this.config.credentials.authHeaders(), "user-agent": `tracedeck-sdk/${this.version}` },
        });
        if (this.closed) this.grpc.close();
        return Protocol.GRPC;
      }
      if (!this.config.grpcFallback) return Protocol.GRPC;
      this.warn(
        "@grpc/grpc-js is not installed, so telemetry goes over HTTP (native JSON) instead of OTLP/gRPC: " +
          "npm install @grpc/grpc-js to send over gRPC, or choose withHttp() or withOtlp() to say so",
      );
      return Protocol.HTTP;
    })();
    return this.resolved;
  }

  async exportSpans(spans: SpanData[]): Promise<void> {
    if (spans.length === 0) return;
    if ((await this.protocol()) !== Protocol.HTTP)
      await this.otlp("traces", this.encodeTraces(spans), spans.length, "spans");
    else await this.native("/api/v1/spans", this.nativeSpans(spans), spans.length, "spans");
  }

  async exportLogs(logs: LogData[]): Promise<void> {
    if (logs.length === 0) return;
    if ((await this.protocol()) !== Protocol.HTTP)
      await this.otlp("logs", encodeRequest("logs", this.otlpLogs(logs)), logs.length, "logs");
    else
      await this.native(
        "/api/v1/logs",
        JSON.stringify({ logs: logs.map((l) => this.nativeLog(l)) }),
        logs.length,
        "logs",
      );
  }

  /** Closes the gRPC channel, if there is one (after the last export). */
  close(): void {
    this.closed = true;
    this.grpc?.close();
    this.agent.destroy();
  }

  async exportMetrics(metrics: MetricData[]): Promise<void> {
    const histograms = metrics.filter((m) => m.kind === "histogram");
    const values = metrics.filter((m) => m.kind !== "histogram");
    if ((await this.protocol()) !== Protocol.HTTP) {
      if (metrics.length)
        await this.otlp("metrics", encodeRequest("metrics", this.otlpMetrics(metrics)), metrics.length, "metrics");
      return;
    }
    if (values.length) {
      const body = JSON.stringify({ metrics: values.map((m) => this.nativeMetric(m)) });
      await this.native("/api/v1/metrics", body, values.length, "metrics");
    }
    if (histograms.length)
      await this.otlp("metrics", encodeRequest("metrics", this.otlpMetrics(histograms)), histograms.length, "metrics");
  }

  /**
   * The body of a native span batch, as JSON.stringify({ spans }) writes it, each span with the resource: every span
   * stringified without the resource, which is the same for all and serialized once (the constructor's tail).
   */
  private nativeSpans(spans: SpanData[]): string {
    let body = '{"spans":[';
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i]!;
      const span = JSON.stringify({
        trace_id: s.traceId,
        span_id: s.spanId,
        parent_span_id: s.parentSpanId,
        trace_state: s.traceState,
        name: s.name,
        service_name: this.config.serviceName,
        kind: s.kind,
        status: { code: s.status.code, message: s.status.message },
        start_time: nanosText(s.startMicros),
        end_time: nanosText(s.endMicros),
        attributes: s.attributes,
        events: s.events.map((e) => ({
          name: e.name,
          time_unix_nano: nanosText(e.timeMicros),
          attributes: e.attributes,
        })),
      });
      body += (i === 0 ? "" : ",") + span.slice(0, -1) + this.nativeSpanTail;
    }
    return body + "]}";
  }

  private nativeLog(l: LogData) {
    return {
      message: l.message,
      severity: l.severity.toUpperCase(),
      timestamp: nanosText(l.timeMicros),
      service_name: this.config.serviceName,
      trace_id: l.traceId,
      span_id: l.spanId,
      attributes: l.attributes,
      resource_attributes: this.resource,
    };
  }

  private nativeMetric(m: Exclude<MetricData, { kind: "histogram" }>) {
    const tags = Object.fromEntries(
      Object.entries(m.attributes).map(([k, v]) => [
        k,
        typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : JSON.stringify(v),
      ]),
    );
    return {
      name: m.name,
      value: m.value,
      metric_type: m.kind === "counter" ? "counter" : "gauge",
      unit: m.unit || undefined,
      timestamp: nanosText(m.timeMicros),
      service_name: this.config.serviceName,
      tags,
    };
  }

  private scope() {
    return { name: "tracedeck-sdk", version: this.version };
  }

  private otlpLogs(logs: LogData[]) {
    return {
      resourceLogs: [
        {
          resource: { attributes: keyValues(this.resource) },
          scopeLogs: [
            {
              scope: this.scope(),
              logRecords: logs.map((l) => ({
                timeUnixNano: nanosText(l.timeMicros),
                observedTimeUnixNano: nanosText(l.timeMicros),
                severityNumber: SEVERITY_NUMBER[l.severity],
                severityText: l.severity.toUpperCase(),
                body: { stringValue: l.message },
                attributes: keyValues(l.attributes),
                traceId: l.traceId ? hexBytes(l.traceId) : undefined,
                spanId: l.spanId ? hexBytes(l.spanId) : undefined,
              })),
            },
          ],
        },
      ],
    };
  }

  private otlpMetrics(metrics: MetricData[]) {
    const DELTA = 1;
    return {
      resourceMetrics: [
        {
          resource: { attributes: keyValues(this.resource) },
          scopeMetrics: [
            {
              scope: this.scope(),
              metrics: metrics.map((m) => {
                const base = {
                  attributes: keyValues(m.attributes),
                  startTimeUnixNano: nanosText(m.startMicros),
                  timeUnixNano: nanosText(m.timeMicros),
                };
                if (m.kind === "histogram") {
                  const exemplars = m.exemplar
                    ? [
                        {
                          asDouble: m.exemplar.value,
                          timeUnixNano: nanosText(m.exemplar.timeMicros),
                          traceId: hexBytes(m.exemplar.traceId),
                          spanId: hexBytes(m.exemplar.spanId),
                        },
                      ]
                    : [];
                  return {
                    name: m.name,
                    unit: m.unit,
                    histogram: {
                      aggregationTemporality: DELTA,
                      dataPoints: [
                        {
                          ...base,
                          count: String(m.count),
                          sum: m.sum,
                          min: m.min,
                          max: m.max,
                          explicitBounds: m.bounds,
                          bucketCounts: m.bucketCounts.map(String),
                          exemplars,
                        },
                      ],
                    },
                  };
                }
                if (m.kind === "counter") {
                  return {
                    name: m.name,
                    unit: m.unit,
                    sum: {
                      aggregationTemporality: DELTA,
                      isMonotonic: true,
                      dataPoints: [{ ...base, asDouble: m.value }],
                    },
                  };
                }
                return { name: m.name, unit: m.unit, gauge: { dataPoints: [{ ...base, asDouble: m.value }] } };
              }),
            },
          ],
        },
      ],
    };
  }

  private async native(
    path: string,
    body: string,
    items: number,
    counted: "spans" | "logs" | "metrics",
  ): Promise<void> {
    const response = await this.post(path, Buffer.from(body), "application/json", items);
    if (!response) return;
    let answer: { accepted?: number; rejected?: number; errors?: { message: string }[] };
    try {
      answer = JSON.parse(response.body) as typeof answer;
    } catch {
      answer = {};
    }
    this.counts[counted] += answer.accepted ?? items;
    if (answer.rejected) {
      this.counts.failed += answer.rejected;
      this.lastError = `the server refused ${answer.rejected} ${counted}: ${answer.errors?.[0]?.message ?? ""}`;
    }
  }

  private async otlp(
    signal: Signal,
    request: Uint8Array,
    items: number,
    counted: "spans" | "logs" | "metrics",
  ): Promise<void> {
    if ((await this.protocol()) === Protocol.GRPC) return this.overGrpc(signal, request, items, counted);
    const response = await this.post(`/v1/${signal}`, request, "application/x-protobuf", items);
    if (response) this.counts[counted] += items;
  }

  /** OTLP/gRPC with the retries post() makes; a failure is counted and kept as lastError, never thrown. */
  private async overGrpc(
    signal: Signal,
    request: Uint8Array,
    items: number,
    counted: "spans" | "logs" | "metrics",
  ): Promise<void> {
    const grpc = this.grpc;
    if (!grpc) {
      this.lastError = "withGrpc() needs @grpc/grpc-js: npm install @grpc/grpc-js (or choose withHttp() or withOtlp())";
      this.counts.failed += items;
      return;
    }
    try {
      const { rejected, message } = await retryWithBackoff(() => grpc.send(signal, request, this.config.timeoutMs), {
        maxAttempts: this.config.retry.enabled ? this.config.retry.maxRetries + 1 : 1,
        baseDelayMs: this.config.retry.backoffMs,
        maxRetryAfterMs: 30_000,
      });
      this.counts[counted] += items - rejected;
      if (rejected) {
        this.counts.failed += rejected;
        this.lastError = `the server refused ${rejected} ${counted}: ${message}`;
      }
    } catch (error) {
      this.lastError = (error as Error).message;
      this.counts.failed += items;
    }
  }

  /** Sends with retries; a failure is counted and kept as lastError, never thrown at the application. */
  private async post(
    path: string,
    payload: Uint8Array,
    contentType: string,
    items: number,
  ): Promise<Answer | undefined> {
    const compress = this.compress && payload.length > COMPRESS_ABOVE_BYTES;
    const body = compress ? await gzipAsync(payload, GZIP_OPTIONS) : payload;
    const headers: Record<string, string> = {
      "content-type": contentType,
      "user-agent": `tracedeck-sdk/${this.version}`,
      ...this.config.credentials.authHeaders(),
      ...(compress ? { "content-encoding": "gzip" } : {}),
    };
    const url = `${this.config.endpoint}${path}`;
    try {
      return await retryWithBackoff(
        async () => {
          const answer = await post(url, this.agent, headers, body, this.config.timeoutMs);
          if (answer.status >= 200 && answer.status < 300) return answer;
          throw new RetryableError(`${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`, {
            status: answer.status,
            retryAfterMs: parseRetryAfter(answer.retryAfter),
          });
        },
        // a background exporter waits at most 30 s for a server that asks it to
        {
          maxAttempts: this.config.retry.enabled ? this.config.retry.maxRetries + 1 : 1,
          baseDelayMs: this.config.retry.backoffMs,
          maxRetryAfterMs: 30_000,
        },
      );
    } catch (error) {
      this.lastError =
        error instanceof TracedeckError
          ? error.message
          : error instanceof Error && error.name === "TimeoutError"
            ? `${path}: no answer within ${this.config.timeoutMs} ms`
            : `${path}: ${errorMessage(error)}`;
      this.counts.failed += items;
      return undefined;
    }
  }
}
