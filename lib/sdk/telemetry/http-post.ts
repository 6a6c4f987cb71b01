import http from "node:http";
import https from "node:https";

// The exporter's requests, with Node's http client rather than fetch: a fraction of fetch's cost per request (no
// WHATWG streams, no copy of the body), connections kept alive by an agent of the exporter's own, and an export that
// installFetchInstrumentation cannot see, so sending spans records none.

export interface Answer {
  status: number;
  /** the Retry-After header, if any */
  retryAfter: string | undefined;
  body: string;
}

/** An agent keeping connections to the endpoint open between exports (idle ones do not keep the process alive). */
export const keptAliveAgent = (endpoint: string): http.Agent =>
  endpoint.startsWith("https:") ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });

/**
 * One POST; resolves with the server's answer whatever its status, rejects when none came: with the socket's or TLS's
 * error (`connect ECONNREFUSED …`), or a DOMException named TimeoutError after `timeoutMs`, as fetch's timeout signal
 * rejects (client/retry.ts retries both).
 */
export function post(
  url: string,
  agent: http.Agent,
  headers: Record<string, string>,
  body: Uint8Array,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith("https:") ? https.request : http.request;
    const request = send(url, { method: "POST", agent, headers: { ...headers, "content-length": body.length } });
    const timer = setTimeout(() => {
      const timeout = new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError");
      reject(timeout);
      request.destroy(timeout);
    }, timeoutMs);
    timer.unref();
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      response.on("end", () => {
        clearTimeout(timer);
        const retryAfter = response.headers["retry-after"];
        resolve({
          status: response.statusCode ?? 0,
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          body: Buffer.concat(chunks).toString("utf8"),
        });
      });
    });
    request.end(body);
  });
}
