import { errorMessage } from "../../shared/error-message";
import { metricsPush } from "../../shared/metrics-push";
import {
  DURATION_BUCKETS,
  EVENT_DURATION,
  EVENT_RETRIES,
  LATENCY_BUCKETS,
  NETWORK_BYTES,
  NETWORK_LATENCY,
} from "../../shared/pipeline-series";
import type { CounterSeries, HistogramSeries } from "../../shared/remote-write";
import {
  formatMetrics,
  type FormattedEvent,
  type FormattedNetworkOp,
  type EventMetricsInput,
  type NetworkMetricsInput,
} from "./metrics";
import {
  Health,
  REQUEST_TIMEOUT_MS,
  StatusReporter,
  type MetricsPublisher,
  type PublisherOptions,
  type PublisherStatus,
} from "./publisher";

export interface GrafanaCloudPublisherOptions extends PublisherOptions {
  /**
   * The stack's Prometheus remote-write URL, e.g. `https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push`,
   * or with `protocol: "otlp"` its OTLP metrics URL, e.g. `https://otlp-gateway-prod-eu-west-0.grafana.net/otlp/v1/metrics`.
   */
  endpoint: string;
  /** Prometheus remote write (the default), or OTLP/HTTP JSON for stacks reached through the OTLP gateway. */
  protocol?: "remote_write" | "otlp";
  /** The stack's instance id (the basic-auth user): the Prometheus one for remote write, the stack's for OTLP. */
  instanceId: string;
  /** A Grafana Cloud access policy token or API key with metrics:write (the basic-auth password). */
  apiKey: string;
  /** Milliseconds between pushes (default 15 s, Grafana Cloud's usual scrape interval). */
  pushIntervalMs?: number;
  /** Label sets kept; observations for new ones past this are dropped and counted (default 10 000). */
  maxSeries?: number;
  /** Labels added to every series, e.g. `{ job: "ingest-pipeline" }`. */
  externalLabels?: Record<string, string>;
}

export type { CounterSeries, HistogramSeries };

const seriesKey = (name: string, labels: Record<string, string>) =>
  JSON.stringify([name, ...Object.entries(labels).sort()]);

/** Cumulative counters and histograms, as Prometheus would hold them, with a cap on label sets. */
class SeriesSet {
  private readonly counters = new Map<string, CounterSeries>();
  private readonly histograms = new Map<string, HistogramSeries>();

  constructor(private readonly maxSeries: number) {}

  private get size(): number {
    return this.counters.size + this.histograms.size;
  }

  /** False when the label set is new and the cap is reached. */
  add(name: string, labels: Record<string, string>, value: number): boolean {
    const key = seriesKey(name, labels);
    let series = this.counters.get(key);
    if (!series) {
      if (this.size >= this.maxSeries) return false;
      series = { name, labels, value: 0 };
      this.counters.set(key, series);
    }
    series.value += value;
    return true;
  }

  observe(name: string, labels: Record<string, string>, bounds: number[], value: number): boolean {
    const key = seriesKey(name, labels);
    let series = this.histograms.get(key);
    if (!series) {
      if (this.size >= this.maxSeries) return false;
      series = { name, labels, bounds, buckets: new Array<number>(bounds.length + 1).fill(0), sum: 0 };
      this.histograms.set(key, series);
    }
    bounds.forEach((bound, i) => {
      if (value <= bound) series.buckets[i] = (series.buckets[i] ?? 0) + 1;
    });
    series.buckets[bounds.length] = (series.buckets[bounds.length] ?? 0) + 1;
    series.sum += value;
    return true;
  }

  counterSeries(): IterableIterator<CounterSeries> {
    return this.counters.values();
  }

  histogramSeries(): IterableIterator<HistogramSeries> {
    return this.histograms.values();
  }

  get empty(): boolean {
    return this.size === 0;
  }
}

/**
 * Pushes the same four series the Prometheus publisher serves to a Grafana Cloud (or any
 * Prometheus remote-write, or OTLP/HTTP) endpoint. Series are cumulative, so a failed push loses
 * nothing: the next one carries the totals. Only finished events and operations are observed.
 */
export class GrafanaCloudPublisher implements MetricsPublisher {
  readonly name: string;
  private readonly health = new Health();
  /** The endpoint's origin: where it sends, without the path that may identify the stack. */
  private readonly target: string;
  private readonly series: SeriesSet;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly reporter: StatusReporter | undefined;
  /** Observations not yet in a successful push. */
  private unpushed = 0;
  private pushing: Promise<void> | undefined;
  /** When the cumulative series began, in nanoseconds since the epoch (OTLP's start time). */
  private readonly startedAt = BigInt(Date.now()) * 1_000_000n;

  constructor(private readonly options: GrafanaCloudPublisherOptions) {
    this.name = options.name ?? "grafana-cloud";
    // a malformed endpoint is a configuration mistake, reported here rather than on every push
    this.target = new URL(options.endpoint).origin;
    this.series = new SeriesSet(options.maxSeries ?? 10_000);
    this.timer = setInterval(() => void this.push(), options.pushIntervalMs ?? 15_000);
    this.timer.unref();
    if (options.statusReporting) {
      this.reporter = new StatusReporter(
        options.statusReporting,
        () => [this.status()],
        () => this.health.reported(),
      );
    }
  }

  formatMetrics(metrics: EventMetricsInput): FormattedEvent;
  formatMetrics(metrics: NetworkMetricsInput): FormattedNetworkOp;
  formatMetrics(metrics: EventMetricsInput | NetworkMetricsInput): FormattedEvent | FormattedNetworkOp {
    return formatMetrics(metrics);
  }

  publishEventMetrics(metrics: EventMetricsInput): void {
    const event = formatMetrics(metrics);
    if (event.duration_seconds === undefined) return;
    this.record([
      this.series.observe(
        EVENT_DURATION.name,
        { event_name: event.event_name, status: event.status },
        DURATION_BUCKETS,
        event.duration_seconds,
      ),
      this.series.add(EVENT_RETRIES.name, { event_name: event.event_name }, event.retry_count),
    ]);
  }

  publishNetworkMetrics(metrics: NetworkMetricsInput): void {
    const op = formatMetrics(metrics);
    if (op.latency_seconds === undefined) return;
    const labels = { host: op.host, operation: op.operation };
    this.record([
      this.series.observe(NETWORK_LATENCY.name, labels, LATENCY_BUCKETS, op.latency_seconds),
      this.series.add(NETWORK_BYTES.name, { ...labels, direction: "sent" }, op.bytes_sent),
      this.series.add(NETWORK_BYTES.name, { ...labels, direction: "received" }, op.bytes_received),
    ]);
  }

  private record(kept: boolean[]): void {
    if (kept.every(Boolean)) this.unpushed++;
    else
      this.health.droppedRecords(
        1,
        `more than ${this.options.maxSeries ?? 10_000} series: dropped an observation for a new label set`,
      );
  }

  /** Pushes the current totals now; never rejects. */
  push(): Promise<void> {
    this.pushing ??= this.send().finally(() => (this.pushing = undefined));
    return this.pushing;
  }

  private async send(): Promise<void> {
    if (this.series.empty) return;
    const observations = this.unpushed;
    try {
      const otlp = this.options.protocol === "otlp";
      const push = metricsPush(
        this.options.protocol ?? "remote_write",
        [...this.series.counterSeries()],
        [...this.series.histogramSeries()],
        {
          startNanos: this.startedAt,
          nowMs: Date.now(),
          labels: this.options.externalLabels ?? {},
        },
      );
      const response = await fetch(this.options.endpoint, {
        method: "POST",
        headers: {
          ...push.headers,
          authorization: `Basic ${Buffer.from(`${this.options.instanceId}:${this.options.apiKey}`).toString("base64")}`,
        },
        body: push.body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      if (!response.ok)
        throw new Error(`${otlp ? "OTLP export" : "remote write"} answered ${response.status}: ${text.slice(0, 500)}`);
      this.unpushed -= observations;
      this.health.succeeded(observations);
    } catch (error) {
      this.health.attemptFailed(errorMessage(error));
    }
  }

  status(): PublisherStatus {
    return this.health.snapshot({ name: this.name, type: "grafana_cloud", target: this.target }, this.unpushed);
  }

  /** Pushes the final totals, reports a last status and stops the timers. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pushing;
    await this.push();
    await this.reporter?.close();
  }
}
