import type { PipelineSeries } from "@/lib/query/exposition";
import { metricsPush } from "@/lib/shared/metrics-push";
import type { TargetGuard } from "./egress";
import { answered, describeFailure, hostPort, SendFailure } from "./failure";
import { backoffMs, Health, type ForwarderStatus } from "./forwarder";
import { GuardedPoster } from "./request";

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
  /** What the pusher may connect to. */
  guard: TargetGuard;
}

export class MetricPusher {
  readonly health = new Health();
  private readonly timer: ReturnType<typeof setInterval>;
  private pushing: Promise<void> | undefined;
  private openUntil = 0;
  /** Samples the last push that failed carried: what is waiting. */
  private waiting = 0;
  private readonly startedAt = BigInt(Date.now()) * 1_000_000n;
  private readonly poster: GuardedPoster;

  constructor(
    private readonly collect: () => Promise<PipelineSeries>,
    private readonly options: PushOptions,
  ) {
    this.poster = new GuardedPoster(options.guard);
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
      const status = await this.poster.post(this.options.url, {
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
      if (status < 200 || status >= 300) throw new SendFailure(answered(otlp ? "OTLP export" : "remote write", status));
      this.waiting = 0;
      this.health.succeeded(count);
    } catch (error) {
      this.waiting = count;
      this.health.attemptFailed(describeFailure(error, hostPort(this.options.url)));
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
    this.poster.close();
  }
}
