// Tracedeck's production server: Next.js's request handler behind a node:http server of its own, so that every
// request carries the address of the connection it came on (lib/auth/peer.ts), which no client can set. Otherwise
// it is `next start`: the same flags (-p/--port or PORT, -H/--hostname, --keepAliveTimeout, a directory), the
// instrumentation hook run as the handler is prepared, and a graceful stop on SIGINT and SIGTERM. It also compresses
// every answer (gzip or br, as the client accepts; scripts/compression.ts) in place of Next's own compression.
// Run it with `npm start`, or as scripts/serve-command.ts spells it.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { parseArgs } from "node:util";
import next from "next";
import { PEER_HEADER } from "../lib/auth/peer";
import { compressAnswer } from "./compression";

const { values, positionals } = parseArgs({
  options: {
    port: { type: "string", short: "p" },
    hostname: { type: "string", short: "H" },
    keepAliveTimeout: { type: "string" },
  },
  allowPositionals: true,
});
const positive = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`tracedeck: ${name} must be a positive integer, not ${JSON.stringify(value)}`);
    process.exit(1);
  }
  return n;
};
const port = positive(values.port ?? process.env.PORT, "the port") ?? 3000;
const hostname = values.hostname;
const keepAliveTimeout = positive(values.keepAliveTimeout, "--keepAliveTimeout");
const dir = positionals[0] ?? process.cwd();

// tsx, which runs this file, turns on source maps for every module the process loads: Node would then read and
// keep the map of each of Next's server chunks (tens of megabytes). `next start` runs without them.
process.setSourceMapsEnabled(false);

// the OTLP ports (lib/http/otlp-listeners.ts) listen where the main port does, unless told otherwise
if (hostname) process.env.TRACEDECK_OTLP_HOST ??= hostname;

// as the next CLI does before it starts a production server
const env = process.env as Record<string, string | undefined>;
env.NODE_ENV ||= "production";
env.NEXT_RUNTIME = "nodejs";

const server = createServer((req, res) => void handle(req, res));
// An idle keep-alive connection is closed after this long (--keepAliveTimeout, default 65 s, longer than the
// 60 s idle timeout of the usual load balancers). Node's own 5 s is too short for a server whose event loop may
// stand still for some seconds (the embedded store works on it): when it moves again, Node's timers run before
// the socket is read, so a connection whose client had already sent its next request was closed under it, and
// the client saw a reset instead of an answer.
server.keepAliveTimeout = keepAliveTimeout ?? 65_000;
// a request's headers may take as long as an idle connection may wait, and a little more
server.headersTimeout = server.keepAliveTimeout + 1000;

const slot = globalThis as { __tracedeckAnswerIngest?: (req: IncomingMessage, res: ServerResponse) => boolean };

const app = next({ dev: false, dir, hostname, port, httpServer: server });
const ready = app.prepare();
const requestHandler = app.getRequestHandler();

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  // whatever the client sent under this name is dropped: only the socket says who is at the other end
  delete req.headers[PEER_HEADER];
  const peer = req.socket.remoteAddress;
  if (peer) req.headers[PEER_HEADER] = peer;
  compressAnswer(req, res);
  // ingest, once the server has started: straight to its route handlers (lib/http/main-port-ingest.ts)
  if (slot.__tracedeckAnswerIngest?.(req, res)) return;
  try {
    await ready;
    await requestHandler(req, res);
  } catch (error) {
    console.error(`tracedeck: failed to handle request for ${req.url}`, error);
    if (!res.headersSent) res.statusCode = 500;
    res.end("Internal Server Error");
  }
}

server.on("error", (error) => {
  console.error("tracedeck: failed to start the server", error);
  process.exit(1);
});

let stopping = false;
function stop(signal: "SIGINT" | "SIGTERM"): void {
  if (stopping) return;
  stopping = true;
  // no new connections; requests in flight finish, on the OTLP ports too; then Next's own shutdown (its `after`
  // work, caches)
  const listeners = (globalThis as { __tracedeckOtlpListeners?: Promise<{ stop(): Promise<void> }> })
    .__tracedeckOtlpListeners;
  server.close((error) => {
    if (error) console.error(error);
    Promise.resolve(listeners?.then((l) => l.stop()))
      .then(() => app.close())
      .catch(console.error)
      .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));

server.listen(port, hostname, () => {
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  const shown = !hostname || hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname;
  const url = `http://${shown.includes(":") ? `[${shown}]` : shown}:${bound}`;
  // what Next's own server publishes to the app once it listens
  process.env.PORT = String(bound);
  process.env.__NEXT_PRIVATE_ORIGIN = url;
  console.log(`tracedeck: listening on ${url}`);
});
await ready;
