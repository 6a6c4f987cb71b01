import { config } from "@/lib/config";
import { encodeResponse, encodeStatus, type Signal } from "@/lib/shared/otlp-proto";
import { OTLP_CONTENT_TYPES, receiveOtlp, type OtlpFormat } from "@/lib/ingest/otlp/receive";
import { readBody } from "./body";
import { ApiError, toApiError } from "@/lib/errors";
import { errorHeaders, errorStatus } from "./errors";
import { admitIngest, authenticatedContext } from "./route";

// OTLP/HTTP 1.x: the response body and its content type follow the request's (protobuf or JSON);
// errors are a google.rpc.Status, with Retry-After on 429 and 503.

const CONTENT_TYPE: Record<OtlpFormat, string> = { protobuf: "application/x-protobuf", json: "application/json" };

/** gRPC status codes by HTTP status: of an OTLP/HTTP error's Status body, and of an OTLP/gRPC error. */
const GRPC_CODE: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  413: 8,
  415: 3,
  422: 3,
  429: 8,
  500: 13,
  503: 14,
};

/** The gRPC status code OTLP pairs with an error's HTTP status (2, UNKNOWN, for any other). */
export const grpcCodeOf = (httpStatus: number): number => GRPC_CODE[httpStatus] ?? 2;

function respond(
  body: Uint8Array | string,
  status: number,
  format: OtlpFormat,
  headers: Record<string, string> = {},
): Response {
  return new Response(typeof body === "string" ? body : Buffer.from(body), {
    status,
    headers: { "content-type": CONTENT_TYPE[format], ...headers },
  });
}

function formatOf(request: Request): OtlpFormat | undefined {
  const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  return OTLP_CONTENT_TYPES[mediaType];
}

export function otlpRoute(signal: Signal) {
  return async (request: Request): Promise<Response> => {
    const format = formatOf(request);
    try {
      if (!format) {
        throw new ApiError("unsupported_media_type", "OTLP/HTTP takes application/x-protobuf or application/json");
      }
      const ctx = await authenticatedContext(request, "ingest");
      const leave = await admitIngest(request);
      try {
        const { bytes } = await readBody(request, {
          maxBytes: config().maxBodyBytes,
          contentTypes: Object.keys(OTLP_CONTENT_TYPES),
        });
        const result = await receiveOtlp({ ctx, input: { signal, bytes, format } });
        return respond(encodeResponse(signal, result.rejected, result.errorMessage, format), 200, format);
      } finally {
        leave();
      }
    } catch (error) {
      const apiError = toApiError(error);
      const bodyFormat = format ?? "json";
      const httpStatus = errorStatus(apiError);
      const status = encodeStatus(grpcCodeOf(httpStatus), apiError.message, bodyFormat);
      return respond(status, httpStatus, bodyFormat, errorHeaders(apiError));
    }
  };
}

/** The OTLP/HTTP handlers by path, for the servers that answer them outside Next (otlp-listeners.ts, main-port-ingest.ts). */
export const OTLP_HTTP_HANDLERS = new Map<string, (request: Request) => Promise<Response>>([
  ["/v1/traces", otlpRoute("traces")],
  ["/v1/metrics", otlpRoute("metrics")],
  ["/v1/logs", otlpRoute("logs")],
]);
