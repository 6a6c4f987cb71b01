import * as grpc from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import { receiveOtlp } from "@/lib/ingest/otlp/receive";
import { PEER_HEADER } from "@/lib/auth/peer";
import { ApiError, toApiError } from "@/lib/errors";
import { encodeResponse, encodeRetryStatus, type Signal } from "@/lib/shared/otlp-proto";
import { ingestAdmission } from "./admission";
import { errorStatus } from "./errors";
import { grpcCodeOf } from "./otlp";
import { authenticatedContext } from "./route";

// The OTLP/gRPC receiver: the collector services' Export methods for traces, metrics and logs, with the decoders
// and the writer OTLP/HTTP uses, in the server's own process. Messages reach the handlers as the bytes they came
// as (grpc-js has already inflated gzip and refused what is larger than the cap, RESOURCE_EXHAUSTED); credentials
// come from the call's metadata, in every form the HTTP endpoints take from headers. Errors carry the status
// codes the OTLP specification gives: INVALID_ARGUMENT (not retried), UNAUTHENTICATED, PERMISSION_DENIED, and
// UNAVAILABLE or RESOURCE_EXHAUSTED with a google.rpc.RetryInfo when the server cannot take more for now.

const SERVICES: Record<Signal, string> = {
  traces: "opentelemetry.proto.collector.trace.v1.TraceService",
  metrics: "opentelemetry.proto.collector.metrics.v1.MetricsService",
  logs: "opentelemetry.proto.collector.logs.v1.LogsService",
};

const asIs = (bytes: Buffer): Buffer => bytes;

/** A collector service whose Export takes and answers protobuf bytes, decoded by the receiver itself. */
function exportService(signal: Signal): grpc.ServiceDefinition {
  return {
    Export: {
      path: `/${SERVICES[signal]}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: asIs,
      requestDeserialize: asIs,
      responseSerialize: asIs,
      responseDeserialize: asIs,
    },
  };
}

/** The address in a peer as grpc-js spells it: `ipv4:127.0.0.1:5000`, `ipv6:[::1]:5000`. */
export function peerAddress(peer: string): string | undefined {
  const match = /^(?:ipv4:|ipv6:)?(?:\[([^\]]+)\]|([^:]+)):\d+$/.exec(peer);
  return match?.[1] ?? match?.[2];
}

/** The call's metadata as the request headers an HTTP endpoint would read (binary values left out). */
function requestOf(call: grpc.ServerUnaryCall<Buffer, Buffer>): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(call.metadata.getMap())) {
    if (typeof value !== "string" || name === PEER_HEADER) continue;
    try {
      headers.set(name, value);
    } catch {
      // not a value a header can hold: no credential is spelled so
    }
  }
  const peer = peerAddress(call.getPeer());
  if (peer) headers.set(PEER_HEADER, peer);
  return new Request("http://otlp-grpc/", { method: "POST", headers });
}

/** The gRPC error for an ApiError, with RetryInfo where the client should come back later. */
export function grpcError(error: ApiError): Partial<grpc.StatusObject> {
  const code = grpcCodeOf(errorStatus(error));
  const metadata = new grpc.Metadata();
  const retryable = code === grpc.status.UNAVAILABLE || (code === grpc.status.RESOURCE_EXHAUSTED && error.retryAfter);
  if (retryable) {
    metadata.set("grpc-status-details-bin", Buffer.from(encodeRetryStatus(code, error.message, error.retryAfter ?? 1)));
  }
  return { code, details: error.message, metadata };
}

function exportHandler(signal: Signal): grpc.handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    const answer = async () => {
      const ctx = await authenticatedContext(requestOf(call), "ingest");
      // the message is in memory already (grpc-js reads it whole): its place is its size
      const leave = ingestAdmission().enter(call.request.length);
      try {
        const result = await receiveOtlp({ ctx, input: { signal, bytes: call.request, format: "protobuf" } });
        return Buffer.from(encodeResponse(signal, result.rejected, result.errorMessage, "protobuf"));
      } finally {
        leave();
      }
    };
    answer().then(
      (bytes) => callback(null, bytes),
      (error: unknown) => callback(grpcError(toApiError(error))),
    );
  };
}

export interface GrpcReceiver {
  port: number;
  /** grpc.health.v1 statuses: the whole server ("") and each collector service */
  setServing(serving: boolean): void;
  stop(): Promise<void>;
}

/**
 * Starts the OTLP/gRPC receiver on host:port (port 0: any free one), with grpc.health.v1 beside it; over TLS when
 * `tls` holds a certificate and its key (PEM).
 */
export async function startGrpcReceiver(options: {
  host: string;
  port: number;
  maxMessageBytes: number;
  tls?: { cert: Buffer; key: Buffer };
}): Promise<GrpcReceiver> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": options.maxMessageBytes,
  });
  for (const signal of Object.keys(SERVICES) as Signal[]) {
    server.addService(exportService(signal), { Export: exportHandler(signal) });
  }
  const statuses = (status: ServingStatus) =>
    Object.fromEntries(["", ...Object.values(SERVICES)].map((service) => [service, status]));
  const health = new HealthImplementation(statuses("SERVING"));
  health.addToServer(server);
  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: options.tls.cert, private_key: options.tls.key }], false)
    : grpc.ServerCredentials.createInsecure();
  const address = options.host.includes(":") ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${address}:${options.port}`, credentials, (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    port,
    setServing: (serving) => {
      for (const [service, status] of Object.entries(statuses(serving ? "SERVING" : "NOT_SERVING")))
        health.setStatus(service, status);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        // calls in flight finish; past a few seconds they are cut
        const force = setTimeout(() => server.forceShutdown(), 5000).unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
