import { Client, errors, HttpConnection, type ClientOptions } from "@elastic/elasticsearch";
import { guardedAgent, isRefusal, type TargetGuard } from "./egress";
import { answered, describeCode, describeFailure, hostPort, SendFailure } from "./failure";
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
  /** What the client may connect to. */
  guard: TargetGuard;
  /** Anything else the client takes (tests hand it a mock connection). */
  clientOptions?: Partial<ClientOptions>;
}

const retryable = (status: number) => status === 429 || status >= 500;

/** An Elasticsearch error type (`mapper_parsing_exception`) is shown; any other text from the cluster is not. */
const errorType = (type: unknown) =>
  typeof type === "string" && /^[a-z][a-z0-9_]{0,79}$/.test(type) ? type : "an error";

/** A failed bulk request in Tracedeck's words: the status, or the connection problem, never the cluster's text. */
function describeBulkFailure(error: unknown, where: string): string {
  if (error instanceof errors.ResponseError) return answered("Elasticsearch", error.statusCode ?? 0);
  if (error instanceof errors.TimeoutError || error instanceof errors.RequestAbortedError)
    return `no answer from ${where} within the timeout`;
  if (error instanceof errors.ConnectionError) {
    // the client keeps only the message of what went wrong: a guard's refusal, or Node's words with their code
    if (isRefusal(error.message)) return error.message;
    const code = /\b(E[A-Z]{3,}|[A-Z][A-Z0-9_]*CERT[A-Z0-9_]*)\b/.exec(error.message)?.[1];
    return describeCode(code, where) ?? `could not connect to ${where}`;
  }
  if (error instanceof errors.NoLivingConnectionsError) return `no Elasticsearch node could be reached (${where})`;
  if (error instanceof errors.ProductNotSupportedError) return `${where} did not answer as Elasticsearch does`;
  if (error instanceof errors.DeserializationError) return `${where} answered with a body that is not JSON`;
  return describeFailure(error, where);
}

export class ElasticsearchTarget implements Target<ForwardedRecord> {
  private readonly client: Client;
  /** the node(s) as messages name them */
  private readonly where: string;

  constructor(private readonly options: ElasticsearchTargetOptions) {
    this.where = options.nodes.map(hostPort).join(", ");
    this.client = new Client({
      nodes: options.nodes,
      // node:http connections, so that each goes through the target guard
      Connection: HttpConnection,
      agent: (connection) => guardedAgent(options.guard, connection.url.protocol),
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
    let response: Awaited<ReturnType<Client["bulk"]>>;
    try {
      response = await this.client.bulk({ operations }, { signal });
    } catch (error) {
      throw new SendFailure(describeBulkFailure(error, this.where));
    }
    if (!response.errors) return { rejected: 0 };
    const retry: number[] = [];
    let rejected = 0;
    let error: string | undefined;
    let retryError: string | undefined;
    response.items.forEach((item, i) => {
      const outcome = item.index ?? item.create ?? item.update;
      if (!outcome?.error) return;
      const record = batch[i];
      const index = record ? indexName(this.options.indexPrefix, record) : "an index";
      const why = `${index}: Elasticsearch answered ${outcome.status} (${errorType(outcome.error.type)})`;
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
