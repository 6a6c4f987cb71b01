import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { getDatabase, ping } from "@/db";
import { config } from "@/lib/config";
import { repeat } from "@/lib/storage/repeat";
import { API_ANSWER } from "./answer-headers";
import { answerWith } from "./node-answer";
import { OTLP_HTTP_HANDLERS } from "./otlp";
import { startGrpcReceiver, type GrpcReceiver } from "./otlp-grpc";

// The collector ports, in the server's own process (so ingest shares its writer and group commit): OTLP/gRPC on
// 4317 and OTLP/HTTP on 4318. The OTLP/HTTP listener is a bare node:http server in front of the very handlers of
// /v1/* on the main port, which stays: the same answers, without the page framework's work on every request.

/** how often grpc.health.v1's statuses are checked, and how long the database has to answer */
const HEALTH_INTERVAL_MS = 5000;
const HEALTH_PROBE_MS = 1500;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...API_ANSWER, "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** One OTLP/HTTP request of the listener: as a web Request to the /v1/* handler, its Response written back. */
async function handleOtlpHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?")[0]!;
  const handler = OTLP_HTTP_HANDLERS.get(path);
  if (!handler) {
    const message = `no such path: ${path}; OTLP/HTTP takes POST /v1/traces, /v1/metrics and /v1/logs`;
    return sendJson(res, 404, { error: { code: "not_found", message } });
  }
  if (req.method !== "POST") {
    // as a route handler without the method answers
    res.writeHead(405, { ...API_ANSWER, allow: "POST" });
    return void res.end();
  }
  await answerWith(handler, req, res, API_ANSWER);
}

function startHttpListener(host: string | undefined, port: number, tls?: { cert: Buffer; key: Buffer }) {
  const handle = (req: IncomingMessage, res: ServerResponse) =>
    void handleOtlpHttp(req, res).catch((error: unknown) => {
      console.error(`tracedeck: OTLP/HTTP listener failed to handle ${req.url}`, error);
      if (!res.headersSent) sendJson(res, 500, { error: { code: "internal", message: "internal error" } });
      else res.destroy();
    });
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handle) : createHttpServer(handle);
  // as the main port: idle keep-alive connections last longer than the usual load balancer's 60 s
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return new Promise<Server>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

export interface OtlpListeners {
  /** the ports bound (a port asked as 0 is not listened on) */
  grpcPort?: number;
  httpPort?: number;
  stop(): Promise<void>;
}

// on globalThis: the production server's stop (scripts/serve.ts) closes them before the process ends
const slot = globalThis as { __tracedeckOtlpListeners?: Promise<OtlpListeners> };

/**
 * Starts the OTLP ports the configuration asks for. A port that cannot be bound (taken by a collector, say) is
 * said in the log; the rest of the server runs on.
 */
export function startOtlpListeners(): Promise<OtlpListeners> {
  slot.__tracedeckOtlpListeners ??= (async () => {
    const cfg = config();
    const tls = cfg.tls ? { cert: readFileSync(cfg.tls.certFile), key: readFileSync(cfg.tls.keyFile) } : undefined;
    const scheme = tls ? "https" : "http";
    let grpc: GrpcReceiver | undefined;
    let http: Server | undefined;
    if (cfg.otlpGrpcPort) {
      try {
        grpc = await startGrpcReceiver({
          host: cfg.otlpHost ?? "0.0.0.0",
          port: cfg.otlpGrpcPort,
          maxMessageBytes: cfg.maxBodyBytes,
          tls,
        });
        console.log(`tracedeck: OTLP/gRPC on port ${grpc.port}${tls ? " (TLS)" : ""}`);
      } catch (error) {
        console.error(`tracedeck: no OTLP/gRPC on port ${cfg.otlpGrpcPort}: ${(error as Error).message}`);
      }
    }
    if (cfg.otlpHttpPort) {
      try {
        http = await startHttpListener(cfg.otlpHost, cfg.otlpHttpPort, tls);
        const address = http.address();
        console.log(
          `tracedeck: OTLP/HTTP on port ${typeof address === "object" && address ? address.port : "?"} (${scheme})`,
        );
      } catch (error) {
        console.error(`tracedeck: no OTLP/HTTP on port ${cfg.otlpHttpPort}: ${(error as Error).message}`);
      }
    }
    // grpc.health.v1 says whether ingest can store: the database answering, on Postgres a connection of its own
    // within a second and a half (a server gone silent would keep a pooled query waiting for ever)
    const stopHealth = grpc
      ? repeat(async () => {
          const serving = await getDatabase()
            .then((database) => (database.probe ? database.probe(HEALTH_PROBE_MS) : ping(database.db)))
            .then(
              () => true,
              () => false,
            );
          grpc?.setServing(serving);
          return HEALTH_INTERVAL_MS;
        })
      : () => {};
    const httpAddress = http?.address();
    return {
      grpcPort: grpc?.port,
      httpPort: typeof httpAddress === "object" && httpAddress ? httpAddress.port : undefined,
      stop: async () => {
        stopHealth();
        await Promise.all([grpc?.stop(), http && new Promise<void>((resolve) => http.close(() => resolve()))]);
      },
    };
  })();
  return slot.__tracedeckOtlpListeners;
}
