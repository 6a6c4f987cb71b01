import { createHash } from "node:crypto";
import { z } from "zod";
import type { Attributes, SpanRecord } from "@/lib/model/records";
import { MAX_NAME_BYTES, truncateUtf8 } from "@/lib/model/text";
import { ingestWith } from "./native";

// Zipkin v2 JSON (POST /api/v2/spans): a JSON array of spans; times and durations in microseconds.
//
// Shared spans: with B3 propagation a server may join its client's span, so both halves of one RPC report the same
// id, the server's marked `shared`. Stored as Jaeger stores them: the server half gets an id of its own, made from
// the trace id and the shared id (so a retried batch stores nothing twice), and the client half as its parent.
// A shared server span without a parent keeps its id: it is the trace's root, its caller (a proxy that made the
// B3 headers) reports no span, and its children name it by that id.

const Hex = (lengths: number[]) =>
  z
    .string()
    .transform((s) => s.toLowerCase())
    .refine(
      (s) => /^[0-9a-f]+$/.test(s) && lengths.includes(s.length) && !/^0+$/.test(s),
      `must be ${lengths.join(" or ")} hex characters`,
    );

const Endpoint = z
  .object({
    serviceName: z
      .string()
      .nullish()
      .transform((s) => s && truncateUtf8(s, MAX_NAME_BYTES)),
    ipv4: z.string().nullish(),
    ipv6: z.string().nullish(),
    port: z.number().int().min(0).max(65535).nullish(),
  })
  .nullish();

// int64 nanoseconds, in microseconds
const Micros = z.number().int().min(0).max(9_223_372_036_854_775);

/** The id of a shared span's server half: of its trace and the id it shares with its client, never zero. */
export function sharedServerSpanId(traceId: string, sharedId: string): string {
  const digest = createHash("sha256").update(`zipkin shared span ${traceId} ${sharedId}`).digest();
  digest[0] ||= 1;
  return digest.subarray(0, 8).toString("hex");
}

export const ZipkinSpan = z
  .object({
    traceId: Hex([16, 32]),
    id: Hex([16]),
    parentId: Hex([16]).nullish(),
    name: z.string().nullish(),
    kind: z.enum(["CLIENT", "SERVER", "PRODUCER", "CONSUMER"]).nullish(),
    timestamp: Micros,
    duration: Micros.nullish(),
    localEndpoint: Endpoint,
    remoteEndpoint: Endpoint,
    annotations: z.array(z.object({ timestamp: Micros, value: z.string() })).nullish(),
    tags: z.record(z.string(), z.string()).nullish(),
    debug: z.boolean().nullish(),
    shared: z.boolean().nullish(),
  })
  .transform((s): SpanRecord => {
    const start = BigInt(s.timestamp) * 1000n;
    const tags = { ...(s.tags ?? {}) };
    const errorTag = tags.error;
    const otelStatus = tags["otel.status_code"]?.toLowerCase();
    const attributes: Attributes = { ...tags };
    const remote = s.remoteEndpoint;
    if (remote?.serviceName) attributes["peer.service"] = remote.serviceName;
    if (remote?.ipv4 || remote?.ipv6) attributes["network.peer.address"] = remote.ipv4 ?? remote.ipv6;
    if (typeof remote?.port === "number") attributes["network.peer.port"] = remote.port;
    if (s.debug) attributes["zipkin.debug"] = true;
    if (s.shared) attributes["zipkin.shared"] = true;
    const serviceName = s.localEndpoint?.serviceName || "unknown_service";
    const resourceAttributes: Attributes = { "service.name": serviceName };
    if (s.localEndpoint?.ipv4 || s.localEndpoint?.ipv6)
      resourceAttributes["host.ip"] = s.localEndpoint.ipv4 ?? s.localEndpoint.ipv6;
    const traceId = s.traceId.padStart(32, "0");
    const serverHalf = s.shared === true && s.kind === "SERVER" && Boolean(s.parentId);
    return {
      traceId,
      spanId: serverHalf ? sharedServerSpanId(traceId, s.id) : s.id,
      parentSpanId: serverHalf ? s.id : (s.parentId ?? null),
      name: s.name ?? "",
      serviceName,
      kind: s.kind ? (s.kind.toLowerCase() as SpanRecord["kind"]) : "internal",
      statusCode: errorTag !== undefined || otelStatus === "error" ? "error" : otelStatus === "ok" ? "ok" : "unset",
      statusMessage: errorTag || tags["otel.status_description"] || null,
      startTimeUnixNano: start,
      endTimeUnixNano: start + BigInt(s.duration ?? 0) * 1000n,
      traceState: null,
      attributes,
      resourceAttributes,
      events: (s.annotations ?? []).map((a) => ({
        name: a.value,
        time_unix_nano: (BigInt(a.timestamp) * 1000n).toString(),
        attributes: {},
      })),
      links: [],
      scope: null,
      flags: null,
      dropped: null,
    };
  });

export const ingestZipkinSpans = ingestWith("spans", ZipkinSpan, (spans) => ({ spans }), "zipkin_spans");
