import type { PipelineSeries } from "@/lib/query/exposition";
import { errorMessage } from "@/lib/shared/error-message";
import { metricsPush } from "@/lib/shared/metrics-push";
import { backoffMs, Health, type ForwarderStatus } from "./forwarder";

// Pushes a project's pipeline series (the ones /metrics serves) to a Prometheus remote-write
// endpoint (protobuf + snappy) or an OTLP/HTTP metrics endpoint, on an interval. The series are
// totals computed from Tracedeck's store, so a push that fails loses nothing: the next one carries
// the same totals, grown. After a failure the pusher backs off before it tries again.

export interface PushOptions {
  url: string;
  protocol: "remote_write" | "otlp";
  /** Basic auth: Grafana Cloud's instance id and API key, or a Prometheus' web user. */
  basicAuth?: { username: string; password: string };
  /** Labels on every series, e.g. `{ project: "default" }`. */
  externalLabels: Record<string, string>;
  intervalMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  timeoutMs: number;
}

export class MetricPusher {
  readonly health = new Health();
  private readonly timer: ReturnType<typeof setInterval>;
  private pushing: Promise<void> | undefined;
  private openUntil = 0;
  /** Samples the last push that failed carried: what is waiting. */
  private waiting = 0;
  private readonly startedAt = BigInt(Date.now()) * 1_000_000n;

  constructor(
    private readonly collect: () => Promise<PipelineSeries>,
    private readonly options: PushOptions,
  ) {
    this.timer = setInterval(() => void this.push(), options.intervalMs);
    this.timer.unref();
  }

  /** Pushes the current totals unless backing off; never rejects. */
  push(): Promise<void> {
    this.pushing ??= this.send().finally(() => (this.pushing = undefined));
    return this.pushing;
  }

  private async send(): Promise<void> {
    if (Date.now() < this.openUntil) return;
    let count = 0;
    try {
      const series = await this.collect();
      const otlp = this.options.protocol === "otlp";
      const push = metricsPush(this.options.protocol, series.counters, series.histograms, {
        startNanos: this.startedAt,
        nowMs: Date.now(),
        labels: this.options.externalLabels,
        scopeName: "tracedeck",
      });
      count = push.points;
      if (count === 0) return;
      const { basicAuth } = this.options;
      const response = await fetch(this.options.url, {
        method: "POST",
        headers: {
          ...push.headers,
          ...(basicAuth
            ? {
                authorization: `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString("base64")}`,
              }
            : {}),
          "user-agent": "tracedeck",
        },
        body: push.body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await response.text().catch(() => "");
      if (!response.ok)
        throw new Error(
          `${otlp ? "OTLP export" : "remote write"} answered ${response.status}${text ? `: ${text.trim().slice(0, 300)}` : ""}`,
        );
      this.waiting = 0;
      this.health.succeeded(count);
    } catch (error) {
      this.waiting = count;
      this.health.attemptFailed(errorMessage(error));
      this.openUntil =
        Date.now() + backoffMs(this.health.consecutiveFailures, this.options.retryInitialMs, this.options.retryMaxMs);
    }
  }

  status(): ForwarderStatus {
    return this.health.status(this.waiting);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pushing;
  }
}
