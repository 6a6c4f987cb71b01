import type { Client, ClientOptions } from "@elastic/elasticsearch";
import { errorMessage } from "../../shared/error-message";
import {
  BatchingPublisher,
  type BatchingOptions,
  type BatchResult,
  type PublisherType,
  type QueuedRecord,
} from "./publisher";

export interface ElasticsearchPublisherOptions extends BatchingOptions {
  /** Elasticsearch nodes, e.g. `["http://localhost:9200"]`. */
  hosts: string[];
  /** Indices are named `<indexPrefix>-YYYY.MM.DD` (default `pipeline-metrics`). */
  indexPrefix?: string;
  /** Anything else the official client takes (auth, TLS, …). */
  clientOptions?: Omit<ClientOptions, "node" | "nodes">;
}

/** The UTC day a record started, as daily index names spell it. */
const day = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().slice(0, 10).replaceAll("-", ".");

/**
 * A document id per record, so a batch sent twice overwrites instead of duplicating, and a task's
 * later report (completed after pending) replaces its earlier one.
 */
function documentId(queued: QueuedRecord): string {
  if (queued.kind === "event") return `event:${queued.record.task_id}`;
  const r = queued.record;
  return `network:${r.task_id}:${r.host}:${r.port}:${r.operation}:${r.start_time}`;
}

/**
 * Bulk-indexes events and network operations into daily indices. The client
 * (`@elastic/elasticsearch`, an optional peer dependency) is loaded on first send, so applications
 * that never use Elasticsearch need not install it. Documents Elasticsearch rejects one by one
 * (mapping conflicts, closed indices) are counted as failed and not sent again.
 */
export class ElasticsearchPublisher extends BatchingPublisher {
  readonly name: string;
  protected readonly type: PublisherType = "elasticsearch";
  protected readonly target: string;
  private readonly indexPrefix: string;
  private client: Promise<Client> | undefined;

  constructor(private readonly options: ElasticsearchPublisherOptions) {
    super(options);
    this.name = options.name ?? "elasticsearch";
    // hosts may carry credentials in their URL; the reported target never does
    this.target = options.hosts.map((host) => host.replace(/\/\/[^@/]*@/, "//")).join(",");
    this.indexPrefix = options.indexPrefix ?? "pipeline-metrics";
  }

  private connect(): Promise<Client> {
    this.client ??= import("@elastic/elasticsearch").then(
      ({ Client }) => new Client({ ...this.options.clientOptions, nodes: this.options.hosts }),
      (error: unknown) => {
        this.client = undefined;
        throw new Error(`ElasticsearchPublisher needs the @elastic/elasticsearch package: ${errorMessage(error)}`);
      },
    );
    return this.client;
  }

  protected async send(batch: QueuedRecord[]): Promise<BatchResult> {
    const client = await this.connect();
    const operations = batch.flatMap((queued) => [
      { index: { _index: `${this.indexPrefix}-${day(queued.record.start_time)}`, _id: documentId(queued) } },
      {
        ...queued.record,
        metric_type: queued.kind,
        "@timestamp": new Date(queued.record.start_time * 1000).toISOString(),
      },
    ]);
    const response = await client.bulk({ operations });
    if (!response.errors) return { rejected: 0 };
    let rejected = 0;
    let firstError: string | undefined;
    for (const item of response.items) {
      const outcome = item.index ?? item.create ?? item.update;
      if (!outcome?.error) continue;
      rejected++;
      firstError ??= `${outcome._index}: ${outcome.error.type}: ${outcome.error.reason ?? "rejected"}`;
    }
    return { rejected, ...(firstError ? { error: firstError } : {}) };
  }

  protected override async closeTarget(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.then((c) => c.close()).catch(() => undefined);
  }
}
