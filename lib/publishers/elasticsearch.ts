import { Client, type ClientOptions } from "@elastic/elasticsearch";
import type { Delivery, Target } from "./forwarder";
import type { ForwardedRecord, ForwardedSignal } from "./records";

// Bulk-indexes forwarded records with the official client into daily indices:
// `<prefix>-<signal>-YYYY.MM.DD`, one mapping per signal. Each record's id makes a resend
// overwrite rather than duplicate. Per-item outcomes of the bulk response decide what happens to
// each record: indexed, refused for good (mapping conflicts, bad documents), or sent again later
// (429 / 5xx: the cluster is overloaded or a shard is unavailable).

const INDEX_PART: Record<ForwardedSignal, string> = {
  pipeline_events: "pipeline-events",
  network_ops: "network-ops",
  spans: "spans",
  logs: "logs",
};

/** The UTC day as daily index names spell it. */
const day = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10).replaceAll("-", ".");

export function indexName(prefix: string, record: ForwardedRecord): string {
  return `${prefix}-${INDEX_PART[record.signal]}-${day(record.timeMs)}`;
}

export interface ElasticsearchTargetOptions {
  nodes: string[];
  indexPrefix: string;
  auth?: { username: string; password: string } | { apiKey: string };
  timeoutMs: number;
  /** Anything else the client takes (tests hand it a mock connection). */
  clientOptions?: Partial<ClientOptions>;
}

const retryable = (status: number) => status === 429 || status >= 500;

export class ElasticsearchTarget implements Target<ForwardedRecord> {
  private readonly client: Client;

  constructor(private readonly options: ElasticsearchTargetOptions) {
    this.client = new Client({
      nodes: options.nodes,
      ...(options.auth ? { auth: options.auth } : {}),
      // the forwarder owns retries and backoff
      maxRetries: 0,
      requestTimeout: options.timeoutMs,
      ...options.clientOptions,
    });
  }

  async send(batch: ForwardedRecord[], signal: AbortSignal): Promise<Delivery> {
    const operations = batch.flatMap((record) => [
      { index: { _index: indexName(this.options.indexPrefix, record), _id: record.id } },
      { "@timestamp": new Date(record.timeMs).toISOString(), signal: record.signal, ...record.document },
    ]);
    const response = await this.client.bulk({ operations }, { signal });
    if (!response.errors) return { rejected: 0 };
    const retry: number[] = [];
    let rejected = 0;
    let error: string | undefined;
    let retryError: string | undefined;
    response.items.forEach((item, i) => {
      const outcome = item.index ?? item.create ?? item.update;
      if (!outcome?.error) return;
      const why = `${outcome._index} ${outcome.status} ${outcome.error.type}: ${outcome.error.reason ?? "refused"}`;
      if (retryable(outcome.status)) {
        retry.push(i);
        retryError ??= why;
      } else {
        rejected += 1;
        error ??= why;
      }
    });
    return { rejected, retry, ...(error ? { error } : {}), ...(retryError ? { retryError } : {}) };
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
