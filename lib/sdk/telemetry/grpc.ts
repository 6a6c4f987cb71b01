import type * as Grpc from "@grpc/grpc-js";
import { decodeResponse, decodeStatus, type Signal } from "../../shared/otlp-proto";
import { RetryableError } from "../client/errors";

// OTLP/gRPC export with @grpc/grpc-js, an optional peer: loaded on the first export, so an application that sends
// over HTTP never needs it. One channel per client; requests are the same protobuf messages OTLP/HTTP carries.

const SERVICE = {
  traces: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
  metrics: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
  logs: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
} as const satisfies Record<Signal, string>;

/** The OTLP specification's retryable codes: the server is busy or away, and says when to come back. */
const UNAVAILABLE = 14;
const RESOURCE_EXHAUSTED = 8;
const DEADLINE_EXCEEDED = 4;

/**
 * The gRPC status as the HTTP status the retry policy reads (client/retry.ts): UNAVAILABLE and DEADLINE_EXCEEDED as
 * 503, RESOURCE_EXHAUSTED as 429 (retried); anything else as 400 (not retried: sending it again gives the same).
 */
const HTTP_STATUS_OF = (code: number) =>
  code === UNAVAILABLE || code === DEADLINE_EXCEEDED ? 503 : code === RESOURCE_EXHAUSTED ? 429 : 400;

/** undefined when @grpc/grpc-js is not installed */
export async function loadGrpc(): Promise<typeof Grpc | undefined> {
  try {
    const loaded = (await import("@grpc/grpc-js")) as typeof Grpc & { default?: typeof Grpc };
    // from an ES module, a CommonJS package's exports may sit on `default`
    return typeof loaded.Client === "function" ? loaded : loaded.default;
  } catch {
    return undefined;
  }
}

export class GrpcExport {
  private readonly client: Grpc.Client;

  constructor(
    private readonly grpc: typeof Grpc,
    target: string,
    options: { secure: boolean; compression: boolean; headers: Record<string, string> },
  ) {
    this.client = new grpc.Client(
      target,
      options.secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure(),
      options.compression ? { "grpc.default_compression_algorithm": 2 /* gzip */ } : {},
    );
    this.metadata = new grpc.Metadata();
    for (const [name, value] of Object.entries(options.headers)) this.metadata.set(name.toLowerCase(), value);
  }

  private readonly metadata: Grpc.Metadata;

  /**
   * Sends one export request; resolves with what the server rejected of it (its partial success). A failure rejects
   * with a RetryableError whose status the retry policy reads, and whose message says what gRPC said.
   */
  send(signal: Signal, request: Uint8Array, timeoutMs: number): Promise<{ rejected: number; message: string }> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        SERVICE[signal],
        (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        (bytes: Buffer) => bytes,
        request,
        this.metadata,
        { deadline: Date.now() + timeoutMs },
        (error, answer) => {
          if (error) {
            const details = error.metadata?.get("grpc-status-details-bin")[0];
            const retryAfterSeconds = Buffer.isBuffer(details) ? decodeStatus(details).retryAfterSeconds : undefined;
            reject(
              new RetryableError(`OTLP/gRPC ${signal}: ${error.details || error.message} (status ${error.code})`, {
                status: HTTP_STATUS_OF(error.code),
                code: String(error.code),
                cause: error,
                retryAfterMs: retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000,
              }),
            );
            return;
          }
          const partial = (
            decodeResponse(signal, answer ?? Buffer.alloc(0)) as {
              partialSuccess?: { errorMessage?: string } & Record<string, unknown>;
            }
          ).partialSuccess;
          const rejected = Number(
            partial?.rejectedSpans ?? partial?.rejectedLogRecords ?? partial?.rejectedDataPoints ?? 0,
          );
          resolve({ rejected, message: partial?.errorMessage ?? "" });
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
