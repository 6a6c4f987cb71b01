import type { OtlpMetricsRequest } from "./metrics";

// Sends the demo's records to the ingest endpoints, a few requests at a time, and checks every
// answer: a refused request or a rejected item is printed with the server's reasons and counted,
// never passed over.

export type Signal = "spans" | "logs" | "metrics" | "events" | "pipelineEvents" | "networkOps";

const ENDPOINTS: Record<Signal, { path: string; key: string }> = {
  spans: { path: "/api/v1/spans", key: "spans" },
  logs: { path: "/api/v1/logs", key: "logs" },
  metrics: { path: "/api/v1/metrics", key: "metrics" },
  events: { path: "/api/v1/events", key: "events" },
  pipelineEvents: { path: "/api/v1/pipeline/events", key: "events" },
  networkOps: { path: "/api/v1/pipeline/network", key: "operations" },
};
const OTLP_METRICS_PATH = "/v1/metrics";

/** Items per request: large enough to be quick, far below the server's body limit. */
const BATCH_SIZE = 400;
const CONCURRENT_REQUESTS = 4;
/** Tries of a request the server answered 429 or 503 (busy) before it counts as failed. */
const BUSY_TRIES = 6;
/** Problems printed in full; later ones are only counted. */
const PRINTED_PROBLEMS = 20;

/** The server cannot be reached at all: nothing else will work either. */
export class ServerUnreachable extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach Tracedeck at ${url} (${reason})`);
  }
}

/** The server refuses the key: nothing else will work either. */
export class KeyRefused extends Error {}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** Throws ServerUnreachable, or an error saying why the server is not ready for data. */
export async function checkServer(baseUrl: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/api/v1/health`, { signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new ServerUnreachable(baseUrl, reasonOf(error));
  }
  const health = (await response.json().catch(() => ({}))) as { status?: string; database?: string };
  if (!response.ok || health.status !== "ok") {
    throw new Error(
      `Tracedeck at ${baseUrl} is not ready (HTTP ${response.status}, database ${health.database ?? "unknown"})`,
    );
  }
}

interface IngestAnswer {
  accepted?: number;
  rejected?: number;
  errors?: { index: number; message: string }[];
  partialSuccess?: { rejectedDataPoints?: string | number; errorMessage?: string };
  error?: { code?: string; message?: string };
  message?: string;
}

export class Ingest {
  readonly accepted: Record<Signal, number> = {
    spans: 0,
    logs: 0,
    metrics: 0,
    events: 0,
    pipelineEvents: 0,
    networkOps: 0,
  };
  /** items the server rejected or never got, per signal */
  readonly lost: Record<Signal, number> = {
    spans: 0,
    logs: 0,
    metrics: 0,
    events: 0,
    pipelineEvents: 0,
    networkOps: 0,
  };
  requests = 0;
  problems = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** what stopped all sending (unreachable server, refused key), raised at the next call */
  private fatal: Error | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  /** Checks that the key may ingest, with an empty batch. */
  async checkKey(): Promise<void> {
    if (!(await this.post(ENDPOINTS.events.path, { events: [] })))
      throw new Error("the server could not take an empty test batch; see above");
  }

  /** Queues `items` in batches; resolves once they are all on their way. */
  async send(signal: Signal, items: unknown[]): Promise<void> {
    const { path, key } = ENDPOINTS[signal];
    for (let i = 0; i < items.length; i += BATCH_SIZE) {
      const batch = items.slice(i, i + BATCH_SIZE);
      await this.enqueue(async () => {
        const answer = await this.post(path, { [key]: batch });
        if (!answer) {
          this.lost[signal] += batch.length;
          return;
        }
        this.accepted[signal] += answer.accepted ?? 0;
        const rejected = answer.rejected ?? 0;
        if (rejected > 0) {
          this.lost[signal] += rejected;
          const reasons = (answer.errors ?? []).slice(0, 3).map((e) => `item ${e.index}: ${e.message}`);
          this.problem(`POST ${path}: ${rejected} of ${batch.length} rejected — ${reasons.join("; ")}`);
        }
      });
    }
  }

  /** Sends the request-duration histograms as OTLP/JSON, the one format that keeps their buckets. */
  async sendHistograms(request: OtlpMetricsRequest, points: number): Promise<void> {
    if (points === 0) return;
    await this.enqueue(async () => {
      const answer = await this.post(OTLP_METRICS_PATH, request);
      if (!answer) {
        this.lost.metrics += points;
        return;
      }
      const rejected = Number(answer.partialSuccess?.rejectedDataPoints ?? 0);
      this.accepted.metrics += points - rejected;
      if (rejected > 0) {
        this.lost.metrics += rejected;
        this.problem(
          `POST ${OTLP_METRICS_PATH}: ${rejected} of ${points} data points rejected — ${answer.partialSuccess?.errorMessage ?? ""}`,
        );
      }
    });
  }

  /** Waits for every request in flight; raises what stopped sending, if anything did. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.fatal) throw this.fatal;
  }

  private async enqueue(job: () => Promise<void>): Promise<void> {
    if (this.fatal) throw this.fatal;
    while (this.inFlight.size >= CONCURRENT_REQUESTS) await Promise.race(this.inFlight);
    if (this.fatal) throw this.fatal;
    const running: Promise<void> = job()
      .catch((error: unknown) => {
        this.fatal ??= error as Error;
      })
      .finally(() => this.inFlight.delete(running));
    this.inFlight.add(running);
  }

  private problem(message: string): void {
    this.problems += 1;
    if (this.problems <= PRINTED_PROBLEMS) console.error(`  ✗ ${message}`);
    if (this.problems === PRINTED_PROBLEMS) console.error(`  … further problems are counted, not printed`);
  }

  /** POSTs JSON; the parsed answer, or undefined when the request failed (already reported). */
  private async post(path: string, body: unknown): Promise<IngestAnswer | undefined> {
    const url = `${this.baseUrl}${path}`;
    const payload = JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        this.requests += 1;
        response = await fetch(url, {
          method: "POST",
          headers: { authorization: `Bearer ${this.key}`, "content-type": "application/json" },
          body: payload,
          signal: AbortSignal.timeout(120_000),
        });
      } catch (error) {
        if ((error as Error).name === "TimeoutError") {
          this.problem(`POST ${path}: no answer within 120 s`);
          return undefined;
        }
        throw new ServerUnreachable(this.baseUrl, reasonOf(error));
      }
      const text = await response.text();
      let answer: IngestAnswer = {};
      try {
        answer = text ? (JSON.parse(text) as IngestAnswer) : {};
      } catch {
        answer = { message: text.slice(0, 200) };
      }
      const message = answer.error?.message ?? answer.message ?? response.statusText;
      if (response.status === 401 || response.status === 403) {
        throw new KeyRefused(`the server refused the key (${response.status}: ${message})`);
      }
      if ((response.status === 429 || response.status === 503) && attempt < BUSY_TRIES) {
        const wait = Number(response.headers.get("retry-after")) || 1;
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
        continue;
      }
      if (!response.ok) {
        this.problem(`POST ${path}: HTTP ${response.status} — ${message}`);
        return undefined;
      }
      return answer;
    }
  }
}
