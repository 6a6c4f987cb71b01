import type { Agent, IncomingHttpHeaders, IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { guardedAgent, type TargetGuard } from "./egress";
import { describeFailure, hostPort, SendFailure } from "./failure";

// The POST a webhook or a metric publisher makes. Its connections go through the target guard; a
// redirect that keeps the method (307, 308) is followed a few times, each hop through the guard
// again; the answer's body is read and dropped, never shown.

/** Redirects followed before a send counts as failed. */
export const MAX_REDIRECTS = 5;

/** Bytes of an answer's body read (and dropped) to keep its connection; a longer one closes it. */
const MAX_DRAINED_BYTES = 64 * 1024;

export interface PostOptions {
  headers: Record<string, string>;
  body: string | Uint8Array;
  signal: AbortSignal;
}

/** A sender of POSTs through one guard, keeping its connections open between sends. */
export class GuardedPoster {
  private readonly agents = new Map<string, Agent>();

  constructor(private readonly guard: TargetGuard) {}

  private agent(protocol: string): Agent {
    let agent = this.agents.get(protocol);
    if (!agent) this.agents.set(protocol, (agent = guardedAgent(this.guard, protocol)));
    return agent;
  }

  /** POSTs to the URL and answers the final status; throws a SendFailure in Tracedeck's words when no answer came. */
  async post(url: string, options: PostOptions): Promise<number> {
    let target = new URL(url);
    let headers = options.headers;
    for (let hop = 0; ; hop++) {
      const answer = await this.once(target, headers, options);
      const location = answer.headers.location;
      if ((answer.status !== 307 && answer.status !== 308) || !location) return answer.status;
      if (hop === MAX_REDIRECTS) throw new SendFailure(`the target redirected more than ${MAX_REDIRECTS} times`);
      let next: URL;
      try {
        next = new URL(location, target);
      } catch {
        throw new SendFailure(`the target answered HTTP ${answer.status} with a Location that is not a URL`);
      }
      if (next.protocol !== "http:" && next.protocol !== "https:")
        throw new SendFailure(`the target redirected to a ${next.protocol} URL; only http(s) is followed`);
      // credentials stay with the origin they were given for
      if (next.origin !== target.origin)
        headers = Object.fromEntries(
          Object.entries(headers).filter(([name]) => name.toLowerCase() !== "authorization"),
        );
      target = next;
    }
  }

  private once(
    url: URL,
    headers: Record<string, string>,
    { body, signal }: PostOptions,
  ): Promise<{ status: number; headers: IncomingHttpHeaders }> {
    const where = hostPort(url);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const fail = (error: unknown) =>
        reject(
          signal.aborted
            ? new SendFailure(`no answer from ${where} within the timeout`)
            : new SendFailure(describeFailure(error, where)),
        );
      const request = send(
        url,
        {
          method: "POST",
          agent: this.agent(url.protocol),
          headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
          signal,
        },
        (response: IncomingMessage) => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers });
          // the body is not Tracedeck's to show: drained so the connection can be reused, unless it is long
          let length = 0;
          response.on("data", (chunk: Buffer) => {
            length += chunk.length;
            if (length > MAX_DRAINED_BYTES) response.destroy();
          });
          response.on("error", () => undefined);
        },
      );
      request.on("error", fail);
      request.end(body);
    });
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
