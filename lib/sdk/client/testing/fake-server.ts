import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";

const gunzipAsync = promisify(gunzip);

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The body as the application sent it: gunzipped when it came with `content-encoding: gzip`. */
  body: string;
  /** Bytes on the wire, before decoding. */
  wireBytes: number;
  receivedAt: number;
}

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

/** A server on loopback that records every request and answers with `answer(request)`: tests play the Tracedeck or token server. */
export async function startFakeServer(
  answer: (request: RecordedRequest) => FakeAnswer | Promise<FakeAnswer>,
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  async function respond(req: IncomingMessage, res: ServerResponse, raw: Buffer) {
    const decoded = req.headers["content-encoding"] === "gzip" ? await gunzipAsync(raw) : raw;
    const request: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: decoded.toString("utf8"),
      wireBytes: raw.length,
      receivedAt: Date.now(),
    };
    requests.push(request);
    const { status, headers = {}, body } = await answer(request);
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body));
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      // a body that does not gunzip or an answer that throws would leave the client waiting for its
      // timeout: it gets a 500 naming the error instead
      respond(req, res, Buffer.concat(chunks)).catch((error: unknown) => res.writeHead(500).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
