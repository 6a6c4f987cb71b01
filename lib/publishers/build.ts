import type { ClientOptions } from "@elastic/elasticsearch";
import type { Db } from "@/db";
import { pipelineSeries } from "@/lib/query/exposition";
import type { TargetGuard } from "./egress";
import { ElasticsearchTarget } from "./elasticsearch";
import { forwarderOptions, validateConfig, type PublisherConfig, type PublisherType } from "./config";
import { Forwarder, type ForwarderState, type ForwarderStatus } from "./forwarder";
import { MetricPusher } from "./push";
import type { ForwardedRecord, ForwardedSignal } from "./records";
import { WebhookTarget } from "./webhook";

// A configured publisher, running: record publishers (Elasticsearch, webhook) queue what ingest
// hands them; metric publishers (Grafana Cloud, Prometheus remote write) push the project's series
// on an interval; a composite runs several of either and reports them as one.

export interface RunningPublisher {
  /** The signals it forwards records of (none for a metric publisher). */
  readonly signals: ReadonlySet<ForwardedSignal>;
  offer(records: readonly ForwardedRecord[]): void;
  status(): ForwarderStatus;
  /** Sends what it holds now (records or the series' totals), within its backoff. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Takes over the queue of the publisher it replaces, when both hold records. */
  adopt(previous: RunningPublisher): void;
}

export interface BuildContext {
  db: Db;
  projectId: string;
  projectSlug: string;
  name: string;
  /** Options for the Elasticsearch client (tests pass a mock connection). */
  elasticsearch?: Partial<ClientOptions>;
  /** The clock (epoch ms) record publishers back off by (default Date.now). */
  now?: () => number;
  /** What its targets may connect to. */
  guard: TargetGuard;
}

class RecordPublisher implements RunningPublisher {
  constructor(
    readonly signals: ReadonlySet<ForwardedSignal>,
    readonly forwarder: Forwarder<ForwardedRecord>,
  ) {}

  offer(records: readonly ForwardedRecord[]): void {
    this.forwarder.offer(records.filter((r) => this.signals.has(r.signal)));
  }
  status = () => this.forwarder.status();
  flush = () => this.forwarder.flush();
  close = () => this.forwarder.close();
  adopt(previous: RunningPublisher): void {
    if (previous instanceof RecordPublisher) this.forwarder.adopt(previous.forwarder);
  }
}

class PushPublisher implements RunningPublisher {
  readonly signals = new Set<ForwardedSignal>();
  constructor(private readonly pusher: MetricPusher) {}
  offer(): void {}
  status = () => this.pusher.status();
  flush = () => this.pusher.push();
  close = () => this.pusher.close();
  adopt(): void {}
}

const SEVERITY: Record<ForwarderState, number> = { healthy: 0, degraded: 1, failing: 2 };
const latest = (dates: (Date | null)[]) => dates.reduce<Date | null>((a, b) => (b && (!a || b > a) ? b : a), null);

/** Several publishers as one: each member keeps its own queue and backoff; the status is the worst state and the summed counts. */
class CompositePublisher implements RunningPublisher {
  readonly signals: ReadonlySet<ForwardedSignal>;
  constructor(private readonly members: { name: string; publisher: RunningPublisher }[]) {
    this.signals = new Set(members.flatMap((m) => [...m.publisher.signals]));
  }
  offer(records: readonly ForwardedRecord[]): void {
    for (const m of this.members) m.publisher.offer(records);
  }
  status(): ForwarderStatus {
    const statuses = this.members.map((m) => ({ name: m.name, status: m.publisher.status() }));
    const lastFailure = statuses
      .filter((s) => s.status.lastErrorAt)
      .sort((a, b) => b.status.lastErrorAt!.getTime() - a.status.lastErrorAt!.getTime())[0];
    return {
      state: statuses.reduce<ForwarderState>(
        (worst, s) => (SEVERITY[s.status.state] > SEVERITY[worst] ? s.status.state : worst),
        "healthy",
      ),
      lastSuccessAt: latest(statuses.map((s) => s.status.lastSuccessAt)),
      lastError: lastFailure ? `${lastFailure.name}: ${lastFailure.status.lastError}` : null,
      lastErrorAt: lastFailure?.status.lastErrorAt ?? null,
      sent: statuses.reduce((n, s) => n + s.status.sent, 0),
      failed: statuses.reduce((n, s) => n + s.status.failed, 0),
      dropped: statuses.reduce((n, s) => n + s.status.dropped, 0),
      backlog: statuses.reduce((n, s) => n + s.status.backlog, 0),
    };
  }
  async flush(): Promise<void> {
    await Promise.all(this.members.map((m) => m.publisher.flush()));
  }
  async close(): Promise<void> {
    await Promise.allSettled(this.members.map((m) => m.publisher.close()));
  }
  adopt(previous: RunningPublisher): void {
    if (!(previous instanceof CompositePublisher)) return;
    for (const m of this.members) {
      const before = previous.members.find((p) => p.name === m.name);
      if (before) m.publisher.adopt(before.publisher);
    }
  }
}

/** Starts a publisher from its stored type and config; undefined for a type that forwards nothing ("other"). */
export function buildPublisher(
  type: PublisherType,
  rawConfig: Record<string, unknown>,
  context: BuildContext,
): RunningPublisher | undefined {
  const config = validateConfig(type, rawConfig);
  switch (type) {
    case "elasticsearch": {
      const c = config as PublisherConfig<"elasticsearch">;
      const options = forwarderOptions(c);
      const auth = c.api_key
        ? { apiKey: c.api_key }
        : c.username !== undefined
          ? { username: c.username, password: c.password ?? "" }
          : undefined;
      const target = new ElasticsearchTarget({
        nodes: c.hosts ?? [c.url!],
        indexPrefix: c.index_prefix,
        timeoutMs: options.timeoutMs,
        guard: context.guard,
        ...(auth ? { auth } : {}),
        ...(context.elasticsearch ? { clientOptions: context.elasticsearch } : {}),
      });
      return new RecordPublisher(new Set(c.signals), new Forwarder(target, options, context.now));
    }
    case "webhook": {
      const c = config as PublisherConfig<"webhook">;
      const target = new WebhookTarget({
        url: c.url,
        project: context.projectSlug,
        publisher: context.name,
        guard: context.guard,
        ...(c.secret ? { secret: c.secret } : {}),
      });
      return new RecordPublisher(new Set(c.signals), new Forwarder(target, forwarderOptions(c), context.now));
    }
    case "grafana_cloud":
    case "prometheus": {
      const c = config as PublisherConfig<"grafana_cloud"> | PublisherConfig<"prometheus">;
      const basicAuth =
        "instance_id" in c
          ? { username: c.instance_id, password: c.api_key }
          : c.username !== undefined
            ? { username: c.username, password: c.password ?? "" }
            : undefined;
      const options = forwarderOptions(c);
      const pusher = new MetricPusher(() => pipelineSeries(context.db, context.projectId), {
        url: c.url,
        protocol: "protocol" in c ? c.protocol : "remote_write",
        ...(basicAuth ? { basicAuth } : {}),
        externalLabels: { ...c.external_labels, project: context.projectSlug },
        intervalMs: c.push_interval_ms,
        retryInitialMs: options.retryInitialMs,
        retryMaxMs: options.retryMaxMs,
        timeoutMs: options.timeoutMs,
        guard: context.guard,
      });
      return new PushPublisher(pusher);
    }
    case "composite": {
      const c = config as PublisherConfig<"composite">;
      const members = c.publishers.flatMap((member, i) => {
        const name = member.name ?? `${member.type}-${i + 1}`;
        const publisher = buildPublisher(member.type, member.config, { ...context, name: `${context.name}/${name}` });
        return publisher ? [{ name, publisher }] : [];
      });
      return new CompositePublisher(members);
    }
    case "other":
      return undefined;
  }
}
