import type { IncomingMessage, ServerResponse } from "node:http";
import { endpoints } from "@/lib/api/endpoints";
import { routes, type EndpointName } from "@/lib/api/routes";
import { API_ANSWER, OVER_HTTPS, STRICT_TRANSPORT_SECURITY } from "./answer-headers";
import { answerWith, type WebHandler } from "./node-answer";
import { OTLP_HTTP_HANDLERS } from "./otlp";
import { route } from "./route";

// The main port's ingest, answered by the very route handlers of its paths without Next's request pipeline, which
// costs over half a millisecond of CPU a request: 15-25% of what the server spends on a batch of 100 spans. The
// production server (scripts/serve.ts) hands these POSTs here once the server has started; anything else, and
// every request before, goes through Next to the same handlers. The answers are the same: next.config.ts's headers
// for /api/* and /v1/* are put on here (e2e/http/headers.test.ts checks both ways in).

const INGEST: EndpointName[] = [
  "ingestSpans",
  "ingestEvents",
  "ingestMetrics",
  "ingestLogs",
  "ingestPipelineEvents",
  "ingestNetworkOps",
  "ingestZipkin",
  "ingestPublisherStatus",
];

const HANDLERS = new Map<string, WebHandler>([
  ...OTLP_HTTP_HANDLERS,
  ...INGEST.map((name): [string, WebHandler] => {
    const [method, path] = routes[name].split(" ") as [string, string];
    if (method !== "POST" || path.includes("{")) throw new Error(`${name} is not a POST without path parameters`);
    return [path, route(endpoints[name] as Parameters<typeof route>[0])];
  }),
]);

const overHttps = new RegExp(`^${OVER_HTTPS}$`);
const OVER_HTTPS_ANSWER = { ...API_ANSWER, ...STRICT_TRANSPORT_SECURITY };

/** Answers `req` when it is an ingest POST (true), or leaves it to Next (false). */
export function answerIngest(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== "POST") return false;
  const handler = HANDLERS.get((req.url ?? "/").split("?")[0]!);
  if (!handler) return false;
  // next.config.ts's headers for these paths
  const proto = req.headers["x-forwarded-proto"];
  const headers = typeof proto === "string" && overHttps.test(proto) ? OVER_HTTPS_ANSWER : API_ANSWER;
  answerWith(handler, req, res, headers).catch((error: unknown) => {
    console.error(`tracedeck: failed to handle request for ${req.url}`, error);
    if (!res.headersSent) {
      res.writeHead(500, { ...headers, "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "internal", message: "internal error" } }));
    } else res.destroy();
  });
  return true;
}

// on globalThis: scripts/serve.ts, outside Next's bundles, finds it there once instrumentation.ts has put it there
const slot = globalThis as { __tracedeckAnswerIngest?: typeof answerIngest };

/** Lets the production server hand the main port's ingest POSTs to answerIngest. */
export function serveIngestOnMainPort(): void {
  slot.__tracedeckAnswerIngest = answerIngest;
}
