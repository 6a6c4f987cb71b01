import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import { errorMessage } from "../../shared/error-message";
import { ApiKeyAuth, OAuthProvider, type AuthProvider } from "./auth";
import { BatchProcessor, type DropReason } from "./batch";
import { Config, LOG_LEVELS, type ConfigOptions, type LogLevel } from "./config";
import { AuthenticationError, ConfigError, RetryableError, TracedeckError } from "./errors";
import type { Event, EventJSON, LogRecord, LogRecordJSON, Metric, MetricJSON, Span, SpanJSON, Trace } from "./models";
import { RETRYABLE_STATUSES, parseRetryAfter, retryWithBackoff, type RetryInfo } from "./retry";
import { type TimeSpan } from "./timeout";

const gzip = promisify(gzipCallback);

/** An item the server refused, with its position in the batch and the item itself. */
export interface ItemRejection<T> {
  index: number;
  message: string;
  item: T;
}

/** The server's answer to a batch: valid items are stored even when others are refused. */
export interface IngestResult<T> {
  accepted: number;
  rejected: number;
  errors: ItemRejection<T>[];
}

export interface HealthStatus {
  /** True when the server answered and reported itself and its database ok. */
  healthy: boolean;
  status?: string;
  version?: string;
  database?: string;
  /** Why it is not healthy: the status the server answered, or the connection error. */
  error?: string;
}

export interface TracedeckClientOptions {
  /** Settings; the options below override the matching ones. Defaults to `Config.fromEnv()`. */
  config?: Config | Partial<ConfigOptions>;
  /** `tfk_…:tfs_…`; shorthand for `auth: ApiKeyAuth.fromString(apiKey)`. */
  apiKey?: string;
  /** How requests authenticate; defaults to the key (or OAuth token URL) in the configuration. The client owns it: `close()` closes it. */
  auth?: AuthProvider;
  endpoint?: string;
  timeoutMs?: number;
  maxRetries?: number;
  compression?: boolean;
  /** Told before each retry: which attempt failed, why, and how long the wait is. */
  onRetry?: (info: RetryInfo) => void;
  /**
   * Where the client logs retries (INFO), dropped and refused items (WARNING), from the configuration's logLevel up:
   * console by default; pino, winston or any object with these methods will do.
   */
  logger?: Logger;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const LOGGER_METHOD = { DEBUG: "debug", INFO: "info", WARNING: "warn", ERROR: "error", CRITICAL: "error" } as const;

/** What each signal's send takes. */
export interface SignalItems {
  spans: Span | SpanJSON;
  events: Event | EventJSON;
  metrics: Metric | MetricJSON;
  logs: LogRecord | LogRecordJSON;
}
export type Signal = keyof SignalItems;

export interface ClientBatchProcessorOptions<T> {
  /** Items dropped (queue full, shut down) or whose send failed after its retries. */
  onDrop?: (items: T[], reason: DropReason, error?: unknown) => void;
  /** Items the server refused in a batch it otherwise stored. */
  onRejected?: (rejections: ItemRejection<T>[]) => void;
}

export interface SendOptions {
  /** Aborting stops the send, including any wait between retries. */
  signal?: AbortSignal;
}

function authFromConfig(config: Config): AuthProvider | undefined {
  if (config.keyId === undefined || config.keySecret === undefined) return undefined;
  if (config.oauthTokenUrl) {
    return new OAuthProvider({
      clientId: config.keyId,
      clientSecret: config.keySecret,
      tokenUrl: config.oauthTokenUrl,
      scopes: config.oauthScopes,
      timeoutMs: config.timeoutMs,
    });
  }
  return new ApiKeyAuth(config.keyId, config.keySecret);
}

/** The message of the server's error envelope `{ error: { code, message } }`, or the start of the body. */
function describeError(status: number, text: string): { message: string; code?: string } {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.message === "string") {
      return {
        message: `${status}: ${body.error.message}`,
        code: typeof body.error.code === "string" ? body.error.code : undefined,
      };
    }
  } catch {
    // not the JSON envelope (a proxy's error page): show the text itself
  }
  return { message: `${status}${text ? `: ${text.slice(0, 200)}` : ""}` };
}

/**
 * Sends spans, events, metrics and logs to Tracedeck's native ingest API, one request per call.
 * Each send is retried with backoff on network errors and "try again" answers (honouring the
 * server's `Retry-After`), gzips large bodies, and resolves with the server's per-item answer.
 * The server stores batches idempotently, so a retry after a lost answer does not duplicate spans.
 */
export class TracedeckClient {
  readonly config: Config;
  readonly #auth: AuthProvider | undefined;
  readonly #onRetry: (info: RetryInfo) => void;
  readonly #logger: Logger;
  readonly #processors = new Set<Pick<BatchProcessor<unknown>, "shutdown">>();
  #closed = false;

  constructor(options: TracedeckClientOptions = {}) {
    const base =
      options.config instanceof Config
        ? options.config
        : options.config
          ? new Config(options.config)
          : Config.fromEnv();
    this.config = base.merge({
      endpoint: options.endpoint,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      compression: options.compression,
    });
    this.#auth = options.auth ?? (options.apiKey ? ApiKeyAuth.fromString(options.apiKey) : authFromConfig(this.config));
    this.#logger = options.logger ?? console;
    this.#onRetry = (info) => {
      this.#log(
        "INFO",
        `retrying in ${Math.round(info.delayMs)} ms after attempt ${info.attempt}: ${errorMessage(info.error)}`,
      );
      options.onRetry?.(info);
    };
  }

  /** Logs `message` at `level` when the configuration's logLevel lets it through. */
  #log(level: LogLevel, message: string): void {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(this.config.logLevel)) return;
    this.#logger[LOGGER_METHOD[level]](`tracedeck-sdk: ${message}`);
  }

  /**
   * Spans, or every span of a trace (those started with startChild of its spans too), each with the trace's
   * attributes under its own.
   */
  sendSpans(
    spans: readonly (Span | SpanJSON)[] | Trace,
    options?: SendOptions,
  ): Promise<IngestResult<Span | SpanJSON>> {
    if (!("spans" in spans)) return this.#send("spans", spans, options);
    const traceAttributes = spans.attributes;
    const items: readonly (Span | SpanJSON)[] = Object.keys(traceAttributes).length
      ? spans.spans.map((span) => {
          const json = span.toJSON();
          return { ...json, attributes: { ...traceAttributes, ...json.attributes } };
        })
      : spans.spans;
    return this.#send("spans", items, options);
  }

  sendEvents<T extends Event | EventJSON>(events: readonly T[], options?: SendOptions): Promise<IngestResult<T>> {
    return this.#send("events", events, options);
  }

  sendMetrics<T extends Metric | MetricJSON>(metrics: readonly T[], options?: SendOptions): Promise<IngestResult<T>> {
    return this.#send("metrics", metrics, options);
  }

  sendLogs<T extends LogRecord | LogRecordJSON>(logs: readonly T[], options?: SendOptions): Promise<IngestResult<T>> {
    return this.#send("logs", logs, options);
  }

  /**
   * A BatchProcessor that sends one signal through this client, sized by the configuration's
   * batchSize, flushIntervalMs and maxQueueSize: `add` from the hot path, the sends happen in the
   * background. `close()` flushes it.
   */
  createBatchProcessor<K extends Signal>(
    signal: K,
    options: ClientBatchProcessorOptions<SignalItems[K]> = {},
  ): BatchProcessor<SignalItems[K]> {
    const processor: BatchProcessor<SignalItems[K]> = new BatchProcessor<SignalItems[K]>({
      exportBatch: async (items, { signal: abort }) => {
        const result = await this.#send(signal, items, { signal: abort });
        if (result.errors.length > 0) {
          this.#log("WARNING", `the server refused ${result.errors.length} ${signal}: ${result.errors[0]!.message}`);
          options.onRejected?.(result.errors);
        }
      },
      batchSize: this.config.batchSize,
      flushIntervalMs: this.config.flushIntervalMs,
      maxQueueSize: this.config.maxQueueSize,
      onDrop: (items, reason, error) => {
        this.#log(
          "WARNING",
          `${items.length} ${signal} dropped (${reason})${error === undefined ? "" : `: ${errorMessage(error)}`}`,
        );
        options.onDrop?.(items, reason, error);
      },
    });
    this.#processors.add(processor);
    return processor;
  }

  /** Whether the server and its database are up, as the reference client answers it; never throws. */
  async healthCheck(options: SendOptions = {}): Promise<boolean> {
    return (await this.health(options)).healthy;
  }

  /** Asks the server whether it and its database are up, with what it said or why not; one attempt, never throws. */
  async health(options: SendOptions = {}): Promise<HealthStatus> {
    try {
      const response = await fetch(`${this.config.endpoint}/api/v1/health`, {
        headers: { accept: "application/json" },
        signal: this.#signal(options.signal),
      });
      const body = (await response.json().catch(() => ({}))) as {
        status?: unknown;
        version?: unknown;
        database?: unknown;
      };
      const health: HealthStatus = {
        healthy: response.ok && body.status === "ok",
        ...(typeof body.status === "string" && { status: body.status }),
        ...(typeof body.version === "string" && { version: body.version }),
        ...(typeof body.database === "string" && { database: body.database }),
      };
      return health.healthy ? health : { ...health, error: `the server answered ${response.status}` };
    } catch (error) {
      return {
        healthy: false,
        error: errorMessage(error),
      };
    }
  }

  /**
   * Sends what the batch processors still hold (waiting at most `timeout` for them: seconds, as the reference
   * client takes it, or a TimeSpan), then
   * refuses further sends and closes the auth provider (an OAuth token is revoked).
   */
  async close(timeout: number | TimeSpan = 30): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#processors].map((p) => p.shutdown(timeout)));
    this.#closed = true;
    await this.#auth?.close?.();
  }

  /** `await using client = new TracedeckClient()`: close() when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #signal(caller: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    return caller ? AbortSignal.any([caller, timeout]) : timeout;
  }

  async #send<T>(signal: Signal, items: readonly T[], options: SendOptions = {}): Promise<IngestResult<T>> {
    if (this.#closed) throw new TracedeckError("the client is closed");
    if (!this.#auth)
      throw new ConfigError("no credentials: give apiKey or auth, or set TRACEDECK_KEY_ID and TRACEDECK_KEY_SECRET");
    if (items.length === 0) return { accepted: 0, rejected: 0, errors: [] };
    const path = `/api/v1/${signal}`;
    // spans always carry their own service name; the other signals may leave it to the configuration
    const json = JSON.stringify({
      [signal]:
        this.config.serviceName === undefined || signal === "spans"
          ? items
          : items.map((item) => this.#withService(item)),
    });
    const compress = this.config.compression && Buffer.byteLength(json) >= this.config.compressionThresholdBytes;
    const body = compress ? await gzip(json) : json;
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (compress) headers["content-encoding"] = "gzip";
    let refreshedCredentials = false;
    const answer = await retryWithBackoff(
      async () => {
        try {
          return await this.#post(path, body, headers, options.signal);
        } catch (error) {
          // a cached token the server no longer accepts (revoked, or expired early) is worth one
          // fresh token before giving up
          if (
            error instanceof AuthenticationError &&
            error.status === 401 &&
            this.#auth?.invalidate &&
            !refreshedCredentials
          ) {
            refreshedCredentials = true;
            this.#auth.invalidate();
            return await this.#post(path, body, headers, options.signal);
          }
          throw error;
        }
      },
      { maxAttempts: this.config.maxRetries + 1, onRetry: this.#onRetry, signal: options.signal },
    );
    return {
      accepted: answer.accepted,
      rejected: answer.rejected,
      errors: answer.errors.map((e) => ({ index: e.index, message: e.message, item: items[e.index] as T })),
    };
  }

  /** The item's wire form with the configured service name when it has none of its own. */
  #withService(item: unknown): unknown {
    const wire = (
      typeof (item as { toJSON?: unknown }).toJSON === "function" ? (item as { toJSON: () => unknown }).toJSON() : item
    ) as Record<string, unknown>;
    return wire.service_name === undefined ? { ...wire, service_name: this.config.serviceName } : wire;
  }

  async #post(path: string, body: string | Buffer, headers: Record<string, string>, caller: AbortSignal | undefined) {
    const authHeaders = await this.#auth!.headers();
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.config.endpoint + path, {
        method: "POST",
        headers: { ...headers, ...authHeaders },
        body: typeof body === "string" ? body : new Uint8Array(body),
        signal: this.#signal(caller),
      });
      text = await response.text();
    } catch (error) {
      if (caller?.aborted) throw caller.reason;
      const reason =
        error instanceof Error && error.name === "TimeoutError"
          ? `no answer within ${this.config.timeoutMs} ms`
          : errorMessage(error);
      throw new RetryableError(`POST ${path} failed: ${reason}`, { cause: error });
    }
    if (!response.ok) {
      const { message, code } = describeError(response.status, text);
      const what = `POST ${path} failed with ${message}`;
      if (response.status === 401 || response.status === 403)
        throw new AuthenticationError(what, { status: response.status, code });
      if (RETRYABLE_STATUSES.has(response.status)) {
        throw new RetryableError(what, {
          status: response.status,
          code,
          retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
        });
      }
      throw new TracedeckError(what, { status: response.status, code });
    }
    try {
      const answer = JSON.parse(text) as { accepted?: unknown; rejected?: unknown; errors?: unknown };
      if (typeof answer.accepted !== "number" || typeof answer.rejected !== "number")
        throw new Error("no accepted/rejected counts");
      const errors = Array.isArray(answer.errors) ? (answer.errors as { index: number; message: string }[]) : [];
      return { accepted: answer.accepted, rejected: answer.rejected, errors };
    } catch (error) {
      throw new TracedeckError(
        `POST ${path} answered ${response.status} with an unexpected body: ${text.slice(0, 200)}`,
        { status: response.status, cause: error },
      );
    }
  }
}
