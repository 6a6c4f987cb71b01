import { createHmac } from "node:crypto";
import type { TargetGuard } from "./egress";
import { answered, SendFailure } from "./failure";
import type { Delivery, Target } from "./forwarder";
import { GuardedPoster } from "./request";
import type { ForwardedRecord } from "./records";

// A generic webhook: each batch is one JSON POST. With a signing secret, the request carries
// `X-Tracedeck-Timestamp` (epoch seconds) and `X-Tracedeck-Signature: sha256=<hex>`, the
// HMAC-SHA256 of `<timestamp>.<body>` under the secret, so the receiver can check that the body
// came from this server and is not a replay (reject timestamps older than a few minutes).

export const SIGNATURE_HEADER = "x-tracedeck-signature";
export const TIMESTAMP_HEADER = "x-tracedeck-timestamp";

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export interface WebhookTargetOptions {
  url: string;
  secret?: string;
  project: string;
  publisher: string;
  /** What the webhook may connect to. */
  guard: TargetGuard;
}

export class WebhookTarget implements Target<ForwardedRecord> {
  private readonly poster: GuardedPoster;

  constructor(private readonly options: WebhookTargetOptions) {
    this.poster = new GuardedPoster(options.guard);
  }

  async send(batch: ForwardedRecord[], signal: AbortSignal): Promise<Delivery> {
    const body = JSON.stringify({
      publisher: this.options.publisher,
      project: this.options.project,
      records: batch.map((r) => ({ signal: r.signal, id: r.id, ...r.document })),
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const status = await this.poster.post(this.options.url, {
      headers: {
        "content-type": "application/json",
        "user-agent": "tracedeck-webhook",
        ...(this.options.secret
          ? { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature(this.options.secret, timestamp, body) }
          : {}),
      },
      body,
      signal,
    });
    if (status >= 200 && status < 300) return { rejected: 0 };
    const error = answered("webhook", status);
    // 408, 429 and 5xx are the receiver's trouble and pass; any other 4xx refuses this batch for good
    if (status === 408 || status === 429 || status >= 500 || status < 200) throw new SendFailure(error);
    return { rejected: batch.length, error };
  }

  async close(): Promise<void> {
    this.poster.close();
  }
}
