import { errorMessage } from "../../shared/error-message";
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
  type PublisherState,
  type PublisherStatus,
} from "./publisher";

const SEVERITY: Record<PublisherState, number> = { healthy: 0, degraded: 1, failing: 2 };

/**
 * Publishes to several backends at once. A publisher that throws is counted as failed and skipped;
 * the others still get every record. With status reporting, it reports each of its publishers
 * and itself (worst state, summed counts).
 */
export class CompositePublisher implements MetricsPublisher {
  readonly name: string;
  private readonly health = new Health();
  private readonly reporter: StatusReporter | undefined;

  constructor(
    readonly publishers: MetricsPublisher[],
    options: PublisherOptions = {},
  ) {
    this.name = options.name ?? "composite";
    if (options.statusReporting) {
      this.reporter = new StatusReporter(
        options.statusReporting,
        () => [this.status(), ...this.publishers.map((p) => p.status())],
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
    this.fanOut((p) => p.publishEventMetrics(metrics));
  }

  publishNetworkMetrics(metrics: NetworkMetricsInput): void {
    this.fanOut((p) => p.publishNetworkMetrics(metrics));
  }

  private fanOut(publish: (publisher: MetricsPublisher) => void): void {
    for (const publisher of this.publishers) {
      try {
        publish(publisher);
        this.health.succeeded(1);
      } catch (error) {
        this.health.lost(1, `${publisher.name}: ${errorMessage(error)}`);
      }
    }
  }

  status(): PublisherStatus {
    const statuses = this.publishers.map((p) => p.status());
    const own = this.health.snapshot(
      { name: this.name, type: "composite", target: this.publishers.map((p) => p.name).join(",") },
      0,
    );
    const worst = statuses.reduce<PublisherState>(
      (state, s) => (SEVERITY[s.state] > SEVERITY[state] ? s.state : state),
      own.state,
    );
    return {
      ...own,
      state: worst,
      sent_count: statuses.reduce((n, s) => n + s.sent_count, 0),
      failed_count: own.failed_count + statuses.reduce((n, s) => n + s.failed_count, 0),
      dropped_count: statuses.reduce((n, s) => n + s.dropped_count, 0),
      backlog: statuses.reduce((n, s) => n + s.backlog, 0),
    };
  }

  /** Closes every publisher (one failing to close does not keep the others open), then reports a last status. */
  async close(): Promise<void> {
    await Promise.allSettled(this.publishers.map((p) => p.close()));
    await this.reporter?.close();
  }
}
