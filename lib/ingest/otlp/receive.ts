import type { Ctx } from "@/lib/auth/context";
import { ApiError } from "@/lib/errors";
import { parseJson, storable } from "@/lib/http/body";
import { dateToNanos } from "@/lib/model/time";
import { recordIngest } from "../self-metrics";
import type { NotStored } from "../window";
import { writeBatch } from "../outage";
import { rowCount } from "../writer";
import { mapLogs, mapMetrics, mapTraces, type Mapped } from "./map";
import { decodeRequest, type Signal } from "@/lib/shared/otlp-proto";
import { decodeTraces } from "./traces-proto";
import { isObject, MalformedOtlp } from "./values";

export type OtlpFormat = "protobuf" | "json";

export const OTLP_CONTENT_TYPES: Record<string, OtlpFormat> = {
  "application/x-protobuf": "protobuf",
  "application/protobuf": "protobuf",
  "application/json": "json",
};

function parse(signal: Signal, bytes: Buffer, format: OtlpFormat): Record<string, unknown> {
  if (format === "protobuf") {
    let decoded: Record<string, unknown>;
    try {
      decoded = decodeRequest(signal, bytes);
    } catch (error) {
      throw new ApiError(
        "invalid_body",
        `the body is not a valid OTLP ${signal} protobuf message: ${(error as Error).message}`,
      );
    }
    // protobuf strings may hold NUL or broken UTF-8, which Postgres does not store
    return storable(decoded) as Record<string, unknown>;
  }
  const value = parseJson(bytes);
  if (!isObject(value)) throw new ApiError("invalid_json", `an OTLP/JSON ${signal} request is a JSON object`);
  return value;
}

function map(signal: Signal, request: Record<string, unknown>, format: OtlpFormat, now: bigint): Mapped {
  const ids = format === "json" ? "hex" : "base64";
  try {
    if (signal === "traces") return mapTraces(request, ids);
    if (signal === "metrics") return mapMetrics(request, ids);
    return mapLogs(request, ids, now);
  } catch (error) {
    if (error instanceof MalformedOtlp)
      throw new ApiError("invalid_body", `malformed OTLP ${signal} request: ${error.message}`);
    throw error;
  }
}

/** Decodes and maps a request; OTLP/protobuf traces, the bulk of ingest, are read straight into span records. */
function decode(signal: Signal, bytes: Buffer, format: OtlpFormat, now: bigint): Mapped {
  if (format === "protobuf" && signal === "traces") {
    try {
      return decodeTraces(bytes);
    } catch (error) {
      if (error instanceof MalformedOtlp)
        throw new ApiError("invalid_body", `malformed OTLP ${signal} request: ${error.message}`);
      throw new ApiError(
        "invalid_body",
        `the body is not a valid OTLP ${signal} protobuf message: ${(error as Error).message}`,
      );
    }
  }
  return map(signal, parse(signal, bytes, format), format, now);
}

/** Decodes one OTLP/HTTP export request, stores what it can, and says what it rejected. */
export async function receiveOtlp({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { signal: Signal; bytes: Buffer; format: OtlpFormat };
}): Promise<{ rejected: number; errorMessage: string }> {
  const startedAt = performance.now();
  const mapped = decode(input.signal, input.bytes, input.format, dateToNanos(ctx.now()));
  const { notStored } = await writeBatch(ctx.database, ctx.projectId, mapped.batch);
  const rejected = mapped.rejected + notStored.length;
  const reasons = [...mapped.reasons, ...notStoredReasons(notStored)];
  recordIngest(`otlp_${input.signal}`, rowCount(mapped.batch) - notStored.length, rejected, startedAt);
  return { rejected, errorMessage: reasons.join("; ") };
}

/** "3 records older than the traces retention (7 days): not stored", one line per reason */
function notStoredReasons(notStored: NotStored[]): string[] {
  const counts = new Map<string, number>();
  for (const { reason } of notStored) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} ${n === 1 ? "record" : "records"} ${reason}`);
}
