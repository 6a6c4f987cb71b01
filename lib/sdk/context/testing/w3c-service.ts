import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { W3CTracePropagator } from "../propagator";
import { TraceContext } from "../trace-context";

/** One instruction from the W3C test harness: POST `arguments` to `url`, carrying the trace on. */
interface Callback {
  url: string;
  arguments?: unknown;
}

export interface W3CTestService {
  /** Where the harness sends its requests: test.py's SERVICE_ENDPOINT. */
  url: string;
  close: () => Promise<void>;
}

/** Each callback is one request to the harness on loopback; one that takes longer has hung. */
const CALLBACK_TIMEOUT_MS = 5_000;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const propagator = new W3CTracePropagator();

/**
 * The service the W3C Trace Context test suite (test/test.py of w3c/trace-context) drives, built the way an
 * application uses this SDK: each request continues the caller's trace, or starts one when the
 * headers carry none worth trusting, in a SERVER span of its own, and every callback the harness
 * asks for is a CLIENT span of that one with `traceparent` and `tracestate` injected.
 */
export async function startW3CTestService(): Promise<W3CTestService> {
  async function handle(req: IncomingMessage, res: ServerResponse, body: string) {
    const callbacks = JSON.parse(body) as Callback[];
    // the harness only ever calls itself back; anything else would send test traffic off this machine
    if (!callbacks.every(({ url }) => LOOPBACK.has(new URL(url).hostname))) {
      res.writeHead(400).end("callbacks go to loopback only");
      return;
    }
    // headersDistinct keeps repeated headers apart, so two traceparent headers reach extract as two
    const caller = propagator.extract(req.headersDistinct);
    const server = caller ? caller.child() : TraceContext.newRoot();
    await TraceContext.run(server, async () => {
      for (const callback of callbacks) await TraceContext.run(server.child(), () => call(callback));
    });
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  }

  const service = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      // an error answers 500 with its message, which test.py prints, rather than leaving the harness to time out
      handle(req, res, Buffer.concat(chunks).toString("utf8")).catch((error: unknown) =>
        res.writeHead(500).end(String(error)),
      );
    });
  });
  await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
  const { port } = service.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/test`,
    close: () => {
      service.closeAllConnections();
      return new Promise((resolve) => service.close(() => resolve()));
    },
  };
}

/** POSTs a callback with the current context (the CLIENT span) in its headers. */
async function call({ url, arguments: body = [] }: Callback): Promise<void> {
  const headers = new Headers({ "content-type": "application/json" });
  propagator.inject(headers);
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
  });
  // read to the end, so the connection goes back to the pool
  await response.arrayBuffer();
}
