import { TelemetryClient } from "./client";
import { DEFAULTS, Protocol, SignalType, validateConfig, type TelemetryConfig } from "./config";
import { Credentials } from "./credentials";
import { TracedeckError } from "../client/errors";
import { BuilderError } from "./errors";

type Duration = number | { milliseconds?: number; seconds?: number; minutes?: number };

/** Milliseconds of a number of milliseconds or a { seconds, … } object (Python's timedelta). */
const ms = (d: Duration): number =>
  typeof d === "number" ? d : (d.milliseconds ?? 0) + (d.seconds ?? 0) * 1000 + (d.minutes ?? 0) * 60_000;

const env = (...names: string[]): string | undefined => {
  for (const name of names) {
    const value = process.env[name]?.trim();
    if (value) return value;
  }
  return undefined;
};

/**
 * Builds a TelemetryClient step by step. Environment variables: TELEMETRYFLOW_* as the reference
 * client names them, TRACEDECK_* as synonyms.
 */
export class TelemetryBuilder {
  private keyId?: string;
  private keySecret?: string;
  private endpoint: string = DEFAULTS.endpoint;
  private serviceName = "";
  private serviceVersion: string = DEFAULTS.serviceVersion;
  private serviceNamespace: string = DEFAULTS.serviceNamespace;
  private environment: string = DEFAULTS.environment;
  private protocol: Protocol = DEFAULTS.protocol;
  /** no protocol chosen: gRPC if @grpc/grpc-js is installed, else HTTP (config.ts) */
  private protocolChosen = false;
  private grpcEndpoint = "";
  private insecure: boolean = DEFAULTS.insecure;
  private signals: Record<SignalType, boolean> = { metrics: true, logs: true, traces: true };
  private exemplars: boolean = DEFAULTS.exemplars;
  private timeoutMs: number = DEFAULTS.timeoutMs;
  private collectorId?: string;
  private customAttributes: Record<string, string> = {};
  private compression: boolean | "auto" = DEFAULTS.compression;
  private retry: TelemetryConfig["retry"] = { ...DEFAULTS.retry };
  private batch: TelemetryConfig["batch"] = { ...DEFAULTS.batch };
  private rateLimit: number = DEFAULTS.rateLimit;

  withApiKey(keyId: string, keySecret: string): this {
    this.keyId = keyId;
    this.keySecret = keySecret;
    return this;
  }

  withApiKeyFromEnv(): this {
    const id = env("TELEMETRYFLOW_API_KEY_ID", "TRACEDECK_KEY_ID");
    const secret = env("TELEMETRYFLOW_API_KEY_SECRET", "TRACEDECK_KEY_SECRET");
    if (id) this.keyId = id;
    if (secret) this.keySecret = secret;
    return this;
  }

  /** `host:port` (https, or http with withInsecure) or a URL. */
  withEndpoint(endpoint: string): this {
    this.endpoint = endpoint;
    return this;
  }

  withEndpointFromEnv(): this {
    const value = env("TELEMETRYFLOW_ENDPOINT", "TRACEDECK_ENDPOINT", "TRACEDECK_URL");
    if (value) this.endpoint = value;
    return this;
  }

  withService(name: string, version?: string): this {
    this.serviceName = name;
    if (version) this.serviceVersion = version;
    return this;
  }

  withServiceFromEnv(): this {
    const name = env("TELEMETRYFLOW_SERVICE_NAME", "OTEL_SERVICE_NAME");
    const version = env("TELEMETRYFLOW_SERVICE_VERSION");
    if (name) this.serviceName = name;
    if (version) this.serviceVersion = version;
    return this;
  }

  withServiceNamespace(namespace: string): this {
    this.serviceNamespace = namespace;
    return this;
  }

  withServiceNamespaceFromEnv(): this {
    const value = env("TELEMETRYFLOW_SERVICE_NAMESPACE");
    if (value) this.serviceNamespace = value;
    return this;
  }

  withEnvironment(environment: string): this {
    this.environment = environment;
    return this;
  }

  withEnvironmentFromEnv(): this {
    const value = env("TELEMETRYFLOW_ENVIRONMENT", "ENV", "ENVIRONMENT");
    if (value) this.environment = value;
    return this;
  }

  withProtocol(protocol: Protocol): this {
    if (!Object.values(Protocol).includes(protocol))
      throw new BuilderError(`protocol must be one of ${Object.values(Protocol).join(", ")}`);
    this.protocol = protocol;
    this.protocolChosen = true;
    return this;
  }

  /** Tracedeck's native JSON endpoints. */
  withHttp(): this {
    return this.withProtocol(Protocol.HTTP);
  }

  /**
   * OTLP/gRPC (needs @grpc/grpc-js), to `endpoint` (host:port) or the endpoint's host on port 4317, where the
   * server's gRPC receiver listens (TRACEDECK_OTLP_GRPC_PORT).
   */
  withGrpc(endpoint?: string): this {
    if (endpoint !== undefined) this.grpcEndpoint = endpoint;
    return this.withProtocol(Protocol.GRPC);
  }

  withOtlp(): this {
    return this.withProtocol(Protocol.OTLP);
  }

  withInsecure(insecure = true): this {
    this.insecure = insecure;
    return this;
  }

  withSignals(signals: { metrics?: boolean; logs?: boolean; traces?: boolean } = {}): this {
    this.signals = { metrics: signals.metrics ?? true, logs: signals.logs ?? true, traces: signals.traces ?? true };
    return this;
  }

  withMetricsOnly(): this {
    return this.withSignals({ metrics: true, logs: false, traces: false });
  }

  withLogsOnly(): this {
    return this.withSignals({ metrics: false, logs: true, traces: false });
  }

  withTracesOnly(): this {
    return this.withSignals({ metrics: false, logs: false, traces: true });
  }

  withExemplars(enabled = true): this {
    this.exemplars = enabled;
    return this;
  }

  withTimeout(timeout: Duration): this {
    this.timeoutMs = ms(timeout);
    return this;
  }

  withCollectorId(collectorId: string): this {
    this.collectorId = collectorId;
    return this;
  }

  withCollectorIdFromEnv(): this {
    const value = env("TELEMETRYFLOW_COLLECTOR_ID");
    if (value) this.collectorId = value;
    return this;
  }

  withCustomAttribute(key: string, value: string): this {
    this.customAttributes[key] = value;
    return this;
  }

  withCustomAttributes(attributes: Record<string, string>): this {
    Object.assign(this.customAttributes, attributes);
    return this;
  }

  withCompression(enabled = true): this {
    this.compression = enabled;
    return this;
  }

  withRetry(enabled = true, maxRetries = 3, backoff?: Duration): this {
    this.retry = { enabled, maxRetries, backoffMs: backoff === undefined ? DEFAULTS.retry.backoffMs : ms(backoff) };
    return this;
  }

  withBatchSettings(options: { timeout?: Duration; maxSize?: number } = {}): this {
    if (options.timeout !== undefined) this.batch.timeoutMs = ms(options.timeout);
    if (options.maxSize !== undefined) this.batch.maxSize = options.maxSize;
    return this;
  }

  withRateLimit(recordsPerSecond: number): this {
    this.rateLimit = recordsPerSecond;
    return this;
  }

  /** Every *FromEnv at once. */
  withAutoConfiguration(): this {
    return this.withApiKeyFromEnv()
      .withEndpointFromEnv()
      .withServiceFromEnv()
      .withServiceNamespaceFromEnv()
      .withEnvironmentFromEnv()
      .withCollectorIdFromEnv();
  }

  build(): TelemetryClient {
    if (!this.keyId || !this.keySecret)
      throw new BuilderError(
        "an API key is required: withApiKey(keyId, secret), or TELEMETRYFLOW_API_KEY_ID and _SECRET",
      );
    try {
      const config = validateConfig({
        credentials: Credentials.create(this.keyId, this.keySecret),
        endpoint: this.endpoint,
        serviceName: this.serviceName,
        serviceVersion: this.serviceVersion,
        serviceNamespace: this.serviceNamespace,
        environment: this.environment,
        protocol: this.protocol,
        grpcFallback: !this.protocolChosen,
        grpcEndpoint: this.grpcEndpoint,
        insecure: this.insecure,
        signals: this.signals,
        exemplars: this.exemplars,
        timeoutMs: this.timeoutMs,
        collectorId: this.collectorId,
        customAttributes: { ...this.customAttributes },
        compression: this.compression,
        retry: { ...this.retry },
        batch: { ...this.batch },
        rateLimit: this.rateLimit,
        maxQueueSize: DEFAULTS.maxQueueSize,
      });
      return new TelemetryClient(config);
    } catch (error) {
      if (error instanceof TracedeckError) throw new BuilderError(error.message, { cause: error });
      throw error;
    }
  }

  /** build(), for code that prefers the reference client's name. */
  mustBuild(): TelemetryClient {
    return this.build();
  }
}
