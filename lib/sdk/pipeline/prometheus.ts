import { createServer, type Server } from "node:http";
import type { Counter, Histogram, Registry } from "prom-client";
import { errorMessage } from "../../shared/error-message";
import {
  DURATION_BUCKETS,
  EVENT_DURATION,
  EVENT_RETRIES,
  LATENCY_BUCKETS,
  NETWORK_BYTES,
  NETWORK_LATENCY,
} from "../../shared/pipeline-series";
import {
  formatMetrics,
  type FormattedEvent,
  type FormattedNetworkOp,
  type EventMetricsInput,
  type NetworkMetricsInput,
} from "./metrics";
import {
  Health,
  StatusReporter,
  type MetricsPublisher,
  type PublisherOptions,
  type PublisherStatus,
} from "./publisher";

export interface PrometheusPublisherOptions extends PublisherOptions {
  /** Port to serve `/metrics` on (0 picks a free one; see `port()`). */
  port: number;
  /** Interface to bind to (default all interfaces). */
  addr?: string;
  /** A registry of your own, e.g. one that also holds your application's metrics. */
  registry?: Registry;
}

interface Instruments {
  registry: Registry;
  duration: Histogram<"event_name" | "status">;
  retries: Counter<"event_name">;
  bytes: Counter<"host" | "operation" | "direction">;
  latency: Histogram<"host" | "operation">;
}

/** Observations made before prom-client has loaded are replayed once it has; past this many the oldest are dropped. */
const MAX_EARLY_OBSERVATIONS = 10_000;

/**
 * Serves pipeline metrics for Prometheus to scrape. prom-client (an optional peer dependency) is
 * loaded when the publisher starts; `ready` settles once `/metrics` is being served.
 * Only finished events and operations are observed: a running one has no duration yet.
 */
export class PrometheusPublisher implements MetricsPublisher {
  readonly name: string;
  /** Settles when the endpoint is listening; rejects if prom-client is missing or the port is taken. */
  readonly ready: Promise<void>;
  private readonly health = new Health();
  private instruments: Instruments | undefined;
  private early: (() => void)[] = [];
  private server: Server | undefined;
  private servedOn: string | undefined;
  /** Why `/metrics` could not be served, once that is known. */
  private unavailable: string | undefined;
  private readonly reporter: StatusReporter | undefined;

  constructor(private readonly options: PrometheusPublisherOptions) {
    this.name = options.name ?? "prometheus";
    this.ready = this.start();
    this.ready.catch((error: unknown) => {
      this.unavailable = errorMessage(error);
      this.health.attemptFailed(this.unavailable);
      const waiting = this.early.splice(0).length;
      if (waiting > 0) this.health.lost(waiting, this.unavailable);
    });
    if (options.statusReporting) {
      this.reporter = new StatusReporter(
        options.statusReporting,
        () => [this.status()],
        () => this.health.reported(),
      );
    }
  }

  private async start(): Promise<void> {
    const prom = await import("prom-client").catch((error: unknown) => {
      throw new Error(`PrometheusPublisher needs the prom-client package: ${errorMessage(error)}`);
    });
    const registry = this.options.registry ?? new prom.Registry();
    const instruments: Instruments = {
      registry,
      duration: new prom.Histogram({
        ...EVENT_DURATION,
        labelNames: ["event_name", "status"],
        buckets: DURATION_BUCKETS,
        registers: [registry],
      }),
      retries: new prom.Counter({ ...EVENT_RETRIES, labelNames: ["event_name"], registers: [registry] }),
      bytes: new prom.Counter({
        ...NETWORK_BYTES,
        labelNames: ["host", "operation", "direction"],
        registers: [registry],
      }),
      latency: new prom.Histogram({
        ...NETWORK_LATENCY,
        labelNames: ["host", "operation"],
        buckets: LATENCY_BUCKETS,
        registers: [registry],
      }),
    };
    const server = createServer((request, response) => {
      if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") {
        response.writeHead(404).end();
        return;
      }
      registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(errorMessage(error)),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port, this.options.addr, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    this.servedOn = `${this.options.addr ?? "0.0.0.0"}:${this.port()}/metrics`;
    this.instruments = instruments;
    for (const observe of this.early.splice(0)) observe();
  }

  /** The port `/metrics` is served on (useful with port 0). */
  port(): number | undefined {
    const address = this.server?.address();
    return typeof address === "object" && address ? address.port : undefined;
  }

  formatMetrics(metrics: EventMetricsInput): FormattedEvent;
  formatMetrics(metrics: NetworkMetricsInput): FormattedNetworkOp;
  formatMetrics(metrics: EventMetricsInput | NetworkMetricsInput): FormattedEvent | FormattedNetworkOp {
    return formatMetrics(metrics);
  }

  publishEventMetrics(metrics: EventMetricsInput): void {
    const event = formatMetrics(metrics);
    if (event.duration_seconds === undefined) return;
    const seconds = event.duration_seconds;
    this.observe(({ duration, retries }) => {
      duration.observe({ event_name: event.event_name, status: event.status }, seconds);
      // adding 0 still creates the series, so an event name without retries reads 0, not absent
      retries.inc({ event_name: event.event_name }, event.retry_count);
    });
  }

  publishNetworkMetrics(metrics: NetworkMetricsInput): void {
    const op = formatMetrics(metrics);
    if (op.latency_seconds === undefined) return;
    const seconds = op.latency_seconds;
    this.observe(({ bytes, latency }) => {
      const labels = { host: op.host, operation: op.operation };
      latency.observe(labels, seconds);
      bytes.inc({ ...labels, direction: "sent" }, op.bytes_sent);
      bytes.inc({ ...labels, direction: "received" }, op.bytes_received);
    });
  }

  private observe(record: (instruments: Instruments) => void): void {
    const instruments = this.instruments;
    if (instruments) {
      record(instruments);
      this.health.succeeded(1);
      return;
    }
    if (this.unavailable !== undefined) {
      this.health.lost(1, this.unavailable);
      return;
    }
    this.early.push(() => this.observe(record));
    if (this.early.length > MAX_EARLY_OBSERVATIONS) {
      this.early.shift();
      this.health.droppedRecords(1, "prom-client not loaded yet: dropped the oldest observation");
    }
  }

  status(): PublisherStatus {
    return this.health.snapshot(
      { name: this.name, type: "prometheus", ...(this.servedOn ? { target: this.servedOn } : {}) },
      this.early.length,
    );
  }

  /** Stops serving `/metrics` and reports a last status. */
  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.reporter?.close();
  }
}
