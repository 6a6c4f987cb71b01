import {
  BatchingPublisher,
  joinUrl,
  REQUEST_TIMEOUT_MS,
  type BatchingOptions,
  type BatchResult,
  type PublisherType,
  type QueuedRecord,
} from "./publisher";

export interface TracedeckPublisherOptions extends BatchingOptions {
  /** The Tracedeck server, e.g. `https://tracedeck.example.com`. */
  url: string;
  /** An API key with the ingest scope, as `key_id:key_secret`. */
  key: string;
  /** Report this publisher's own health to the same server (default true). */
  reportStatus?: boolean;
  statusIntervalMs?: number;
}

/** How Tracedeck answers a native ingest request. */
interface IngestAnswer {
  accepted: number;
  rejected: number;
  errors?: { index: number; message: string }[];
}

/** Answers worth trying again: the server or something before it is overloaded or restarting. */
const retriable = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Sends events and network operations to Tracedeck's native pipeline endpoints, where they
 * appear on the Events and Network pages. Reports its own health to the same server unless told not to.
 * A batch sent again after a failed request is harmless: the server merges events by task id and
 * network operations by task, host, port, operation and start time.
 */
export class TracedeckPublisher extends BatchingPublisher {
  readonly name: string;
  protected readonly type: PublisherType = "other";
  protected readonly target: string;

  constructor(private readonly options: TracedeckPublisherOptions) {
    super({
      ...options,
      statusReporting:
        options.statusReporting ??
        (options.reportStatus === false
          ? undefined
          : { url: options.url, key: options.key, intervalMs: options.statusIntervalMs }),
    });
    this.name = options.name ?? "tracedeck";
    this.target = options.url;
  }

  protected async send(batch: QueuedRecord[]): Promise<BatchResult> {
    const events = batch.flatMap((r) => (r.kind === "event" ? [r.record] : []));
    const operations = batch.flatMap((r) => (r.kind === "network" ? [r.record] : []));
    const answers: BatchResult[] = [];
    if (events.length > 0) answers.push(await this.post("/api/v1/pipeline/events", { events }));
    if (operations.length > 0) answers.push(await this.post("/api/v1/pipeline/network", { operations }));
    return {
      rejected: answers.reduce((n, a) => n + a.rejected, 0),
      ...(answers.some((a) => a.error) ? { error: answers.flatMap((a) => a.error ?? []).join("; ") } : {}),
    };
  }

  /** Throws when the batch may be sent again; a request the server refuses for good counts every record as rejected. */
  private async post(path: string, body: { events: unknown[] } | { operations: unknown[] }): Promise<BatchResult> {
    const count = "events" in body ? body.events.length : body.operations.length;
    const response = await fetch(joinUrl(this.options.url, path), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.options.key}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (retriable(response.status)) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 500)}`);
    if (!response.ok) return { rejected: count, error: `${path} answered ${response.status}: ${text.slice(0, 500)}` };
    const answer = JSON.parse(text) as IngestAnswer;
    const first = answer.errors?.[0];
    return {
      rejected: answer.rejected,
      ...(first ? { error: `${path}: record ${first.index}: ${first.message}` } : {}),
    };
  }
}
