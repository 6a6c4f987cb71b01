import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { PEER_HEADER } from "@/lib/auth/peer";

/** A route handler: a web Request in, a web Response out. */
export type WebHandler = (request: Request) => Promise<Response>;

/**
 * Answers a node:http request with a route handler, outside Next's request pipeline: the request as a web Request
 * (its body streamed, the connection's address in the peer header, aborted when the client goes), the Response
 * written back with `headers` under the handler's own.
 */
export async function answerWith(
  handler: WebHandler,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const requestHeaders = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === PEER_HEADER) continue;
    requestHeaders.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  // only the socket says who is at the other end
  if (req.socket.remoteAddress) requestHeaders.set(PEER_HEADER, req.socket.remoteAddress);
  const gone = new AbortController();
  res.once("close", () => res.writableFinished || gone.abort());
  // the Host header as sent, unless it makes no URL ("a b", "[::1"): the handlers read only the path and query
  const host = req.headers.host;
  const origin = host && URL.canParse(`http://${host}`) ? `http://${host}` : "http://localhost";
  const request = new Request(`${origin}${req.url}`, {
    method: req.method,
    headers: requestHeaders,
    body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
    duplex: "half",
    signal: gone.signal,
  } as RequestInit);
  const response = await handler(request);
  const answerHeaders: Record<string, string> = { ...headers };
  response.headers.forEach((value, name) => (answerHeaders[name] = value));
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, { ...answerHeaders, "content-length": String(body.length) });
  res.end(body);
}
