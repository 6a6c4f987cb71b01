import { timeoutMs, type TimeSpan } from "../client/timeout";
import { RANDOM_FLAG, SAMPLED_FLAG, TraceContext } from "../context";
import { generatedContext, randomId } from "../context/trace-context";
import { Protocol, SignalType, type TelemetryConfig } from "./config";
import { errorMessage } from "../../shared/error-message";
import { NotInitializedError, TelemetryFlowError } from "./errors";
import { Exporter } from "./exporter";
import {
  defaultBounds,
  nowMicros,
  SeverityLevel,
  SpanKind,
  type Attributes,
  type LogData,
  type MetricData,
  type SpanData,
} from "./records";

export const SDK_VERSION = "0.1.0";
/**
 * Requests on their way at once (OpenTelemetry's exporters allow 30): enough to keep sending while some wait for a
 * busy server, so the queue, not the application, absorbs its pauses; a server slower than the application still
 * fills the queue, and then records are dropped.
 */
const MAX_IN_FLIGHT = 16;
const MAX_OPEN_SPANS = 10_000;

/** Where finished records go; the default sends them to Tracedeck. */
export interface TelemetryExporter {
  exportSpans(spans: SpanData[]): Promise<void>;
  exportLogs(logs: LogData[]): Promise<void>;
  exportMetrics(metrics: MetricData[]): Promise<void>;
  readonly counts: { spans: number; logs: number; metrics: number; failed: number };
  lastError: string | undefined;
  /** called once by shutdown(), after the last export: release connections */
  close?(): void;
}

/**
 * A span being recorded. Its TraceContext is made only when someone asks for it (a child span, a
 * propagated header): most spans never need one.
 */
type OpenSpan = SpanData & { parent: TraceContext | undefined; traceFlags: number; context: TraceContext | undefined };

const NO_EVENTS: SpanData["events"] = Object.freeze([]) as unknown as SpanData["events"];

const UNSET = Object.freeze({ code: "unset" as const });

interface Batch {
  spans: SpanData[];
  logs: LogData[];
  metrics: MetricData[];
}

type Series =
  | {
      kind: "counter" | "gauge" | "metric";
      name: string;
      unit: string;
      attributes: Attributes;
      startMicros: number;
      value: number;
    }
  | (Extract<MetricData, { kind: "histogram" }> & { kind: "histogram" });

export interface TelemetryStatus {
  initialized: boolean;
  version: string;
  serviceName: string;
  endpoint: string;
  protocol: Protocol;
  signalsEnabled: SignalType[];
  uptimeSeconds: number | null;
  metricsSent: number;
  logsSent: number;
  spansSent: number;
  /** records the server refused or never received */
  failed: number;
  /** records dropped by the rate limit or a full queue */
  dropped: number;
  queued: number;
  lastError: string | null;
}

const seriesKey = (kind: string, name: string, unit: string, attributes: Attributes) =>
  `${kind}\u0000${name}\u0000${unit}\u0000${JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)))}`;

/**
 * Counters, gauges, histograms, logs and spans, buffered and sent in the background. Nothing it
 * does in the background throws into the application; what fails is counted in getStatus().
 */
export class TelemetryClient {
  private initializedAt: number | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly exporter: TelemetryExporter;
  /** the exporter is this client's, sending to the endpoint (not one given to it): initialize() checks the server */
  private readonly ownExporter: boolean;
  private readonly open = new Map<string, OpenSpan>();
  /**
   * The span started last, while it is open, kept out of `open`: most spans end before another starts, and are
   * spared the map's insertion, lookup and deletion (and the rehashing a map that keeps emptying does).
   */
  private latest: OpenSpan | undefined;
  private spans: SpanData[] = [];
  private logs: LogData[] = [];
  private series = new Map<string, Series>();
  private windowStart = nowMicros();
  private dropped = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private rateWindow = { second: 0, used: 0 };

  /** `exporter` replaces the HTTP exporter, e.g. with one that writes elsewhere or nowhere. */
  constructor(
    readonly config: TelemetryConfig,
    exporter?: TelemetryExporter,
  ) {
    this.exporter = exporter ?? new Exporter(config, this.resourceAttributes(), SDK_VERSION);
    this.ownExporter = exporter === undefined;
  }

  private resourceAttributes(): Attributes {
    const c = this.config;
    return {
      "service.name": c.serviceName,
      "service.version": c.serviceVersion,
      "service.namespace": c.serviceNamespace,
      "deployment.environment": c.environment,
      "telemetry.sdk.name": "tracedeck",
      "telemetry.sdk.language": "nodejs",
      "telemetry.sdk.version": SDK_VERSION,
      ...(c.collectorId ? { "tracedeck.collector.id": c.collectorId } : {}),
      ...c.customAttributes,
    };
  }

  /**
   * Starts recording at once, and checks the endpoint and the API key once: the promise rejects with a
   * TelemetryFlowError when the server cannot be reached or refuses the key (also kept as getStatus().lastError).
   * Not awaiting it is fine: the client records all the same, and a rejection nobody awaits stops nothing.
   */
  initialize(): Promise<void> {
    if (this.initializedAt !== undefined) return this.checked ?? Promise.resolve();
    this.initializedAt = Date.now();
    this.windowStart = nowMicros();
    this.timer = setInterval(() => this.sendQueued(true), this.config.batch.timeoutMs);
    // a telemetry timer never keeps the application running
    this.timer.unref?.();
    this.checked = this.ownExporter ? this.checkServer() : Promise.resolve();
    this.checked.catch(() => {});
    return this.checked;
  }

  private checked: Promise<void> | undefined;

  /** One POST of an empty batch: 200 with a key that may ingest, 401/403 without. */
  private async checkServer(): Promise<void> {
    const { endpoint, credentials, timeoutMs } = this.config;
    let response: Response;
    try {
      response = await fetch(`${endpoint}/api/v1/spans`, {
        method: "POST",
        headers: { "content-type": "application/json", ...credentials.authHeaders() },
        body: '{"spans":[]}',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
    } catch (error) {
      const reason =
        error instanceof Error && error.name === "TimeoutError"
          ? `no answer within ${timeoutMs} ms`
          : errorMessage(error);
      throw this.initFailed(`cannot reach Tracedeck at ${endpoint}: ${reason}`, error);
    }
    if (response.status === 401 || response.status === 403)
      throw this.initFailed(
        `Tracedeck at ${endpoint} refused the API key (${response.status}${response.status === 403 ? ": it may not ingest" : ""}): check withApiKey`,
      );
    if (!response.ok) throw this.initFailed(`Tracedeck at ${endpoint} answered ${response.status} to a first request`);
  }

  private initFailed(message: string, cause?: unknown): TelemetryFlowError {
    // an export's failure since is the newer news
    this.exporter.lastError ??= message;
    return new TelemetryFlowError(message, { cause });
  }

  isInitialized(): boolean {
    return this.initializedAt !== undefined;
  }

  private ensureInitialized(): void {
    if (this.initializedAt === undefined) throw new NotInitializedError("call initialize() first");
  }

  private enabled(signal: SignalType): boolean {
    return this.initializedAt !== undefined && this.config.signals[signal];
  }

  /** Rate limit and queue bound: false when the record is to be dropped. */
  private admit(): boolean {
    if (this.queued() >= this.config.maxQueueSize) {
      this.dropped++;
      return false;
    }
    if (this.config.rateLimit > 0) {
      const second = Math.floor(Date.now() / 1000);
      if (second !== this.rateWindow.second) this.rateWindow = { second, used: 0 };
      if (this.rateWindow.used >= this.config.rateLimit) {
        this.dropped++;
        return false;
      }
      this.rateWindow.used++;
    }
    return true;
  }

  private queued(): number {
    return this.spans.length + this.logs.length + this.series.size;
  }

  private afterRecord(): void {
    if (this.queued() >= this.config.batch.maxSize) this.sendQueued(false);
  }

  // ---- metrics

  incrementCounter(name: string, value = 1, attributes: Attributes = {}): void {
    this.recordValue("counter", name, value, "", attributes);
  }

  recordGauge(name: string, value: number, attributes: Attributes = {}): void {
    this.recordValue("gauge", name, value, "", attributes);
  }

  recordMetric(name: string, value: number, unit = "", attributes: Attributes = {}): void {
    this.recordValue("metric", name, value, unit, attributes);
  }

  recordHistogram(name: string, value: number, unit = "", attributes: Attributes = {}): void {
    if (!this.enabled(SignalType.METRICS) || !Number.isFinite(value)) return;
    const key = seriesKey("histogram", name, unit, attributes);
    let series = this.series.get(key);
    if (!series) {
      if (!this.admit()) return;
      const bounds = defaultBounds(unit);
      series = {
        kind: "histogram",
        name,
        unit,
        attributes,
        startMicros: this.windowStart,
        timeMicros: 0,
        count: 0,
        sum: 0,
        min: Infinity,
        max: -Infinity,
        bounds,
        bucketCounts: Array(bounds.length + 1).fill(0),
      };
      this.series.set(key, series);
    }
    if (series.kind !== "histogram") return;
    series.count++;
    series.sum += value;
    series.min = Math.min(series.min, value);
    series.max = Math.max(series.max, value);
    const bucket = series.bounds.findIndex((bound) => value <= bound);
    series.bucketCounts[bucket === -1 ? series.bounds.length : bucket]!++;
    const active = TraceContext.get();
    if (this.config.exemplars && active)
      series.exemplar = { value, timeMicros: nowMicros(), traceId: active.traceId, spanId: active.spanId };
    this.afterRecord();
  }

  private recordValue(
    kind: "counter" | "gauge" | "metric",
    name: string,
    value: number,
    unit: string,
    attributes: Attributes,
  ): void {
    if (!this.enabled(SignalType.METRICS) || !Number.isFinite(value)) return;
    const key = seriesKey(kind, name, unit, attributes);
    const series = this.series.get(key);
    if (series && series.kind !== "histogram") {
      series.value = kind === "counter" ? series.value + value : value;
      return;
    }
    if (!this.admit()) return;
    this.series.set(key, { kind, name, unit, attributes, startMicros: this.windowStart, value });
    this.afterRecord();
  }

  // ---- logs

  log(message: string, severity: SeverityLevel = SeverityLevel.INFO, attributes: Attributes = {}): void {
    if (!this.enabled(SignalType.LOGS) || !this.admit()) return;
    const active = TraceContext.get();
    this.logs.push({
      timeMicros: nowMicros(),
      severity,
      message,
      attributes,
      traceId: active?.traceId,
      spanId: active?.spanId,
    });
    this.afterRecord();
  }

  logTrace(message: string, attributes?: Attributes): void {
    this.log(message, SeverityLevel.TRACE, attributes);
  }
  logDebug(message: string, attributes?: Attributes): void {
    this.log(message, SeverityLevel.DEBUG, attributes);
  }
  logInfo(message: string, attributes?: Attributes): void {
    this.log(message, SeverityLevel.INFO, attributes);
  }
  logWarn(message: string, attributes?: Attributes): void {
    this.log(message, SeverityLevel.WARN, attributes);
  }
  logError(message: string, attributes?: Attributes): void {
    this.log(message, SeverityLevel.ERROR, attributes);
  }
  logFatal(message: string, attributes?: Attributes): void {
    this.log(message, SeverityLevel.FATAL, attributes);
  }

  // ---- spans

  /**
   * Starts a span, a child of the active one (or of `parent`), and returns its id. The span does
   * not become active: use `span(name, fn)` for that.
   */
  startSpan(
    name: string,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Attributes = {},
    parent: TraceContext | undefined = TraceContext.get(),
  ): string {
    this.ensureInitialized();
    let traceId: string;
    let spanId: string;
    if (parent) {
      traceId = parent.traceId;
      spanId = randomId(8);
    } else {
      // each a slice of the random pool's text, never all zeros
      traceId = randomId(16);
      spanId = randomId(8);
    }
    if (this.latest) {
      if (this.open.size + 1 >= MAX_OPEN_SPANS) {
        // spans nobody ends must not hold memory forever: the oldest open one is given up
        this.open.delete(this.open.keys().next().value!);
        this.dropped++;
      }
      this.open.set(this.latest.spanId, this.latest);
    }
    this.latest = {
      parent,
      // a new root: sampled, and its trace id random (Level 2's random flag)
      traceFlags: parent ? parent.traceFlags : SAMPLED_FLAG | RANDOM_FLAG,
      traceId,
      spanId,
      parentSpanId: parent?.spanId,
      traceState: parent?.traceState.size ? parent.traceState.serialize() : undefined,
      name,
      kind,
      startMicros: nowMicros(),
      // every field present from the start: one object shape for all spans keeps this path fast
      endMicros: 0,
      attributes,
      events: NO_EVENTS,
      status: UNSET,
      context: undefined,
    };
    return spanId;
  }

  /** The open span with this id. */
  private openSpan(spanId: string): OpenSpan | undefined {
    return this.latest?.spanId === spanId ? this.latest : this.open.get(spanId);
  }

  /** The span started with this id, as a context to run work in or to propagate. */
  spanContext(spanId: string): TraceContext | undefined {
    const span = this.openSpan(spanId);
    if (!span) return undefined;
    span.context ??= generatedContext({
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      traceFlags: span.traceFlags,
      traceState: span.parent?.traceState,
    });
    return span.context;
  }

  setSpanAttributes(spanId: string, attributes: Attributes): void {
    const span = this.openSpan(spanId);
    // a new object: the caller's attributes given at start stay the caller's
    if (span) span.attributes = { ...span.attributes, ...attributes };
  }

  addSpanEvent(spanId: string, name: string, attributes: Attributes = {}): void {
    const span = this.openSpan(spanId);
    if (span) span.events = [...span.events, { name, timeMicros: nowMicros(), attributes }];
  }

  /** Ends a span; with an error it is marked failed and the error recorded as an `exception` event. */
  endSpan(spanId: string, error?: unknown): void {
    let span = this.latest;
    if (span?.spanId === spanId) this.latest = undefined;
    else if ((span = this.open.get(spanId))) this.open.delete(spanId);
    else return;
    const endMicros = nowMicros();
    if (error !== undefined && error !== null) {
      const e = error instanceof Error ? error : new Error(String(error));
      span.status = { code: "error", message: e.message };
      span.events = [
        ...span.events,
        {
          name: "exception",
          timeMicros: endMicros,
          attributes: {
            "exception.type": e.name,
            "exception.message": e.message,
            ...(e.stack ? { "exception.stacktrace": e.stack } : {}),
          },
        },
      ];
    }
    // an unsampled trace is propagated but not recorded
    if (!this.enabled(SignalType.TRACES) || (span.traceFlags & SAMPLED_FLAG) === 0 || !this.admit()) return;
    span.endMicros = endMicros;
    this.spans.push(span);
    this.afterRecord();
  }

  /** Marks an open span failed (or ok) without ending it. */
  setSpanStatus(spanId: string, code: "ok" | "error", message?: string): void {
    const span = this.openSpan(spanId);
    if (span) span.status = { code, message };
  }

  /**
   * Runs `fn` in a new span that is the active context inside it; the span ends when fn returns
   * or its promise settles, failed when it throws.
   */
  span<T>(name: string, fn: (spanId: string) => T, options: { kind?: SpanKind; attributes?: Attributes } = {}): T {
    const spanId = this.startSpan(name, options.kind, options.attributes);
    const context = this.spanContext(spanId)!;
    let result: T;
    try {
      result = TraceContext.run(context, () => fn(spanId));
    } catch (error) {
      this.endSpan(spanId, error);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => {
          this.endSpan(spanId);
          return value;
        },
        (error: unknown) => {
          this.endSpan(spanId, error);
          throw error;
        },
      ) as T;
    }
    this.endSpan(spanId);
    return result;
  }

  // ---- lifecycle

  /** Every metric series, as one point each for the window that ends now; a new window starts. */
  private takeMetrics(): MetricData[] {
    const timeMicros = nowMicros();
    const metrics: MetricData[] = [...this.series.values()].map((s) =>
      s.kind === "histogram" ? { ...s, timeMicros } : { ...s, timeMicros },
    );
    this.series = new Map();
    this.windowStart = timeMicros;
    return metrics;
  }

  /** The oldest spans and logs, a batch of each at most, and the metrics. */
  private takeBatch(): Batch {
    const size = this.config.batch.maxSize;
    const spans = this.spans.length > size ? this.spans.splice(0, size) : this.spans;
    const logs = this.logs.length > size ? this.logs.splice(0, size) : this.logs;
    if (spans === this.spans) this.spans = [];
    if (logs === this.logs) this.logs = [];
    return { spans, logs, metrics: this.takeMetrics() };
  }

  /** Sends a batch; failures end up in the exporter's counts, never thrown. */
  private send(batch: Batch): Promise<void> {
    const sending = Promise.all([
      this.exporter.exportSpans(batch.spans),
      this.exporter.exportLogs(batch.logs),
      this.exporter.exportMetrics(batch.metrics),
    ])
      .then(() => undefined)
      .catch((error: unknown) => {
        this.exporter.lastError = (error as Error).message;
      })
      .finally(() => {
        this.inFlight.delete(sending);
        // a slot is free: a batch that filled up meanwhile goes now, not at the next record or tick
        this.sendQueued(false);
      });
    this.inFlight.add(sending);
    return sending;
  }

  /**
   * Sends full batches while fewer than MAX_IN_FLIGHT are on their way, and with `all` (the timer) what is left too.
   * A slow server holds the records back (up to maxQueueSize) rather than piling up requests; batches of at most
   * maxSize keep each request, and the time it holds the event loop while encoded, small.
   */
  private sendQueued(all: boolean): void {
    while (this.isInitialized() && this.inFlight.size < MAX_IN_FLIGHT) {
      const queued = this.queued();
      if (queued === 0 || (!all && queued < this.config.batch.maxSize)) return;
      void this.send(this.takeBatch());
    }
  }

  /** Sends everything buffered now, and waits for it and for what is already on its way. */
  async flush(): Promise<void> {
    this.ensureInitialized();
    const { spans, logs } = this;
    const metrics = this.takeMetrics();
    this.spans = [];
    this.logs = [];
    const size = this.config.batch.maxSize;
    for (let i = 0; i < spans.length || i < logs.length || (i === 0 && metrics.length > 0); i += size) {
      while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
      void this.send({
        spans: spans.slice(i, i + size),
        logs: logs.slice(i, i + size),
        metrics: i === 0 ? metrics : [],
      });
    }
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** `await using telemetry = builder.build()`: shutdown() when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /**
   * Flushes within `timeout` (seconds, as the reference client takes it, or a TimeSpan) and stops; what could not
   * be sent in time is counted as failed.
   */
  async shutdown(timeout: number | TimeSpan = 30): Promise<void> {
    const ms = timeoutMs(timeout);
    if (this.initializedAt === undefined) return;
    clearInterval(this.timer);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
    const outcome = await Promise.race([this.flush().then(() => "done" as const), timedOut]);
    clearTimeout(timer);
    if (outcome === "timeout") this.exporter.lastError = `shutdown: not everything was sent within ${ms} ms`;
    this.exporter.close?.();
    this.initializedAt = undefined;
  }

  getStatus(): TelemetryStatus {
    const c = this.config;
    return {
      initialized: this.isInitialized(),
      version: SDK_VERSION,
      serviceName: c.serviceName,
      endpoint: c.endpoint,
      protocol: c.protocol,
      signalsEnabled: Object.values(SignalType).filter((s) => c.signals[s]),
      uptimeSeconds: this.initializedAt === undefined ? null : (Date.now() - this.initializedAt) / 1000,
      metricsSent: this.exporter.counts.metrics,
      logsSent: this.exporter.counts.logs,
      spansSent: this.exporter.counts.spans,
      failed: this.exporter.counts.failed,
      dropped: this.dropped,
      queued: this.spans.length + this.logs.length + this.series.size,
      lastError: this.exporter.lastError ?? null,
    };
  }
}
