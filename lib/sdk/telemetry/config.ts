import { Credentials } from "./credentials";
import { ConfigError } from "./errors";

/**
 * How the client sends: OTLP/gRPC (the default, as the reference client's: needs @grpc/grpc-js), Tracedeck's native
 * JSON endpoints, or OTLP/HTTP with protobuf bodies.
 */
export enum Protocol {
  GRPC = "grpc",
  HTTP = "http",
  OTLP = "otlp",
}

export enum SignalType {
  METRICS = "metrics",
  LOGS = "logs",
  TRACES = "traces",
}

export interface TelemetryConfig {
  credentials: Credentials;
  /** the server's base URL, e.g. http://localhost:3000 */
  endpoint: string;
  serviceName: string;
  serviceVersion: string;
  serviceNamespace: string;
  environment: string;
  protocol: Protocol;
  /**
   * The protocol is the default, not a choice: when @grpc/grpc-js is not installed the client sends over HTTP
   * (native JSON) and says so once, where a client told withGrpc() fails its exports.
   */
  grpcFallback: boolean;
  /** OTLP/gRPC's host:port (default: the endpoint's host on 4317) */
  grpcEndpoint: string;
  /** plain http is allowed for host:port endpoints (https otherwise) */
  insecure: boolean;
  signals: Record<SignalType, boolean>;
  /** histogram points carry the active span as an exemplar (OTLP) */
  exemplars: boolean;
  timeoutMs: number;
  collectorId?: string;
  customAttributes: Record<string, string>;
  /**
   * gzip request bodies: always, never, or "auto" (the default): unless the endpoint is on this machine (a local
   * collector or agent), where compressing costs more CPU than the bytes it saves on loopback are worth
   */
  compression: boolean | "auto";
  retry: { enabled: boolean; maxRetries: number; backoffMs: number };
  batch: { timeoutMs: number; maxSize: number };
  /** records per second at most; beyond it records are dropped and counted (0: no limit) */
  rateLimit: number;
  /** records held while the server is unreachable or slower than the application; records beyond it are dropped (and counted) */
  maxQueueSize: number;
}

export const DEFAULTS = {
  endpoint: "http://localhost:3000",
  serviceVersion: "1.0.0",
  serviceNamespace: "tracedeck",
  environment: "production",
  protocol: Protocol.GRPC,
  insecure: false,
  exemplars: true,
  timeoutMs: 10_000,
  compression: "auto",
  retry: { enabled: true, maxRetries: 3, backoffMs: 500 },
  batch: { timeoutMs: 5_000, maxSize: 512 },
  rateLimit: 0,
  maxQueueSize: 20_000,
} as const;

/** `host:port` or a URL, as a base URL without a trailing slash. */
export function normalizeEndpoint(endpoint: string, insecure: boolean): string {
  const trimmed = endpoint.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `${insecure ? "http" : "https"}://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`endpoint "${endpoint}" is neither host:port nor a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ConfigError(`endpoint "${endpoint}" must be http or https`);
  return url.toString().replace(/\/+$/, "");
}

export function validateConfig(config: TelemetryConfig): TelemetryConfig {
  if (!config.serviceName.trim())
    throw new ConfigError("a service name is required (withService, or TELEMETRYFLOW_SERVICE_NAME)");
  if (!Object.values(config.signals).some(Boolean))
    throw new ConfigError("at least one signal (metrics, logs, traces) must be enabled");
  if (!(config.timeoutMs > 0)) throw new ConfigError("the timeout must be positive");
  if (!(config.batch.maxSize > 0) || !(config.batch.timeoutMs > 0))
    throw new ConfigError("batch size and timeout must be positive");
  if (config.retry.maxRetries < 0) throw new ConfigError("maxRetries must not be negative");
  if (config.rateLimit < 0) throw new ConfigError("the rate limit must not be negative");
  const endpoint = normalizeEndpoint(config.endpoint, config.insecure);
  return { ...config, endpoint, grpcEndpoint: grpcTarget(config.grpcEndpoint, endpoint) };
}

/** Whether requests to `url` (a URL, or gRPC's host:port) are to be gzipped, by the configured `compression`. */
export function compresses(compression: boolean | "auto", url: string): boolean {
  if (compression !== "auto") return compression;
  let host: string;
  try {
    host = new URL(url.includes("://") ? url : `http://${url}`).hostname;
  } catch {
    return true;
  }
  return !(
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "[::1]" ||
    /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

/** OTLP/gRPC's `host:port`: as given (a URL's scheme dropped), else the endpoint's host on the standard port 4317. */
export function grpcTarget(given: string, endpoint: string): string {
  const trimmed = given.trim();
  if (!trimmed) return `${new URL(endpoint).hostname}:4317`;
  if (!trimmed.includes("://")) return trimmed;
  try {
    return new URL(trimmed).host;
  } catch {
    throw new ConfigError(`gRPC endpoint "${given}" is neither host:port nor a URL`);
  }
}
