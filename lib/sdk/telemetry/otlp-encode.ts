import protobuf from "protobufjs";
import type { Attributes, SpanData } from "./records";

// OTLP/protobuf trace export requests written field by field with protobufjs's Writer, straight from the buffered
// spans: the bytes encodeRequest("traces", …) (lib/shared/otlp-proto.ts, whose definitions give the field numbers
// below) makes from OTLP/JSON's shape, without that object tree, its 64-bit times as decimal text, and protobufjs's
// reflection in between, which cost an export more than everything else it does. The resource and the scope are
// the same in every request, so they are encoded once. otlp-encode.test.ts decodes the output with those
// definitions.

type Writer = protobuf.Writer;

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const tag = (field: number, wireType: number) => (field << 3) | wireType;

const RESOURCE_SPANS = tag(1, LENGTH_DELIMITED); // ExportTraceServiceRequest.resource_spans
const RESOURCE = tag(1, LENGTH_DELIMITED); // ResourceSpans.resource
const SCOPE_SPANS = tag(2, LENGTH_DELIMITED); // ResourceSpans.scope_spans
const RESOURCE_ATTRIBUTES = tag(1, LENGTH_DELIMITED); // Resource.attributes
const SCOPE = tag(1, LENGTH_DELIMITED); // ScopeSpans.scope
const SPANS = tag(2, LENGTH_DELIMITED); // ScopeSpans.spans
const SCOPE_NAME = tag(1, LENGTH_DELIMITED); // InstrumentationScope.name
const SCOPE_VERSION = tag(2, LENGTH_DELIMITED); // InstrumentationScope.version

const SPAN = {
  traceId: tag(1, LENGTH_DELIMITED),
  spanId: tag(2, LENGTH_DELIMITED),
  traceState: tag(3, LENGTH_DELIMITED),
  parentSpanId: tag(4, LENGTH_DELIMITED),
  name: tag(5, LENGTH_DELIMITED),
  kind: tag(6, VARINT),
  start: tag(7, FIXED64),
  end: tag(8, FIXED64),
  attributes: tag(9, LENGTH_DELIMITED),
  events: tag(11, LENGTH_DELIMITED),
  status: tag(15, LENGTH_DELIMITED),
} as const;
const EVENT = { time: tag(1, FIXED64), name: tag(2, LENGTH_DELIMITED), attributes: tag(3, LENGTH_DELIMITED) } as const;
const STATUS = { message: tag(2, LENGTH_DELIMITED), code: tag(3, VARINT) } as const;
const KEY_VALUE = { key: tag(1, LENGTH_DELIMITED), value: tag(2, LENGTH_DELIMITED) } as const;
const ANY_VALUE = {
  string: tag(1, LENGTH_DELIMITED),
  bool: tag(2, VARINT),
  int: tag(3, VARINT),
  double: tag(4, FIXED64),
  array: tag(5, LENGTH_DELIMITED),
  kvlist: tag(6, LENGTH_DELIMITED),
  bytes: tag(7, LENGTH_DELIMITED),
} as const;
/** ArrayValue.values and KeyValueList.values */
const VALUES = tag(1, LENGTH_DELIMITED);

const SPAN_KIND_NUMBER = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
const STATUS_NUMBER = { unset: 0, ok: 1, error: 2 } as const;

const TWO_TO_32 = 2 ** 32;
const INT64_LIMIT = 2 ** 63;

/**
 * Epoch microseconds as fixed64 nanoseconds. The nanoseconds are beyond a double's exact range, so the product is
 * taken in 32-bit halves: the low half times 1000 stays below 2^42, its carry goes to the high half.
 */
function writeNanos(w: Writer, fieldTag: number, micros: number): void {
  const high = Math.floor(micros / TWO_TO_32);
  const lowNanos = (micros - high * TWO_TO_32) * 1000;
  w.uint32(fieldTag)
    .fixed32(lowNanos % TWO_TO_32)
    .fixed32(high * 1000 + Math.floor(lowNanos / TWO_TO_32));
}

// ids are hex text in memory and 8 or 16 bytes on the wire: decoded here into one buffer of each size, which
// Writer.bytes copies from, so an id costs no allocation (nor a call into Buffer's native hex decoder, dearer than
// this loop for 16 bytes)
const TRACE_ID_BYTES = new Uint8Array(16);
const SPAN_ID_BYTES = new Uint8Array(8);
/** each ASCII character's value as a hex digit, -1 for those that are not one */
const HEX_DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_DIGIT["0123456789abcdef".charCodeAt(i)] = i;
  HEX_DIGIT["0123456789ABCDEF".charCodeAt(i)] = i;
}

/** `hex` decoded into `bytes`, which it fills exactly; undefined if it is not hex of that length. */
function decodedHex(hex: string, bytes: Uint8Array): Uint8Array | undefined {
  if (hex.length !== bytes.length * 2) return undefined;
  for (let i = 0; i < bytes.length; i++) {
    const high = HEX_DIGIT[hex.charCodeAt(2 * i)] ?? -1;
    const low = HEX_DIGIT[hex.charCodeAt(2 * i + 1)] ?? -1;
    if ((high | low) < 0) return undefined;
    bytes[i] = (high << 4) | low;
  }
  return bytes;
}

function writeId(w: Writer, fieldTag: number, hex: string): void {
  // anything else goes as Buffer.from reads it (up to the first character that is not hex)
  const bytes = decodedHex(hex, hex.length === 32 ? TRACE_ID_BYTES : SPAN_ID_BYTES) ?? Buffer.from(hex, "hex");
  w.uint32(fieldTag).bytes(bytes);
}

/** A value as OTLP's AnyValue (the message's fields, without its tag and length). */
function writeAnyValue(w: Writer, value: unknown): void {
  if (typeof value === "string") {
    w.uint32(ANY_VALUE.string).string(value);
  } else if (typeof value === "number") {
    // a small non-negative int64 is the same varint as a uint32, without the 64-bit arithmetic; an integer
    // beyond int64's range goes as a double
    if (value >= 0 && value <= 0x7fffffff && Number.isInteger(value)) w.uint32(ANY_VALUE.int).uint32(value);
    else if (Number.isInteger(value) && Math.abs(value) < INT64_LIMIT) w.uint32(ANY_VALUE.int).int64(value);
    else w.uint32(ANY_VALUE.double).double(value);
  } else if (typeof value === "boolean") {
    w.uint32(ANY_VALUE.bool).bool(value);
  } else if (typeof value === "bigint") {
    w.uint32(ANY_VALUE.int).int64(BigInt.asIntN(64, value).toString());
  } else if (value instanceof Uint8Array) {
    w.uint32(ANY_VALUE.bytes).bytes(value);
  } else if (Array.isArray(value)) {
    w.uint32(ANY_VALUE.array).fork();
    for (const item of value as unknown[]) {
      w.uint32(VALUES).fork();
      writeAnyValue(w, item);
      w.ldelim();
    }
    w.ldelim();
  } else if (value !== null && typeof value === "object") {
    w.uint32(ANY_VALUE.kvlist).fork();
    writeKeyValues(w, VALUES, value as Attributes);
    w.ldelim();
  } else {
    w.uint32(ANY_VALUE.string).string(String(value));
  }
}

/** Each attribute as a KeyValue in the repeated field `fieldTag`. */
function writeKeyValues(w: Writer, fieldTag: number, attributes: Attributes): void {
  for (const key of Object.keys(attributes)) {
    w.uint32(fieldTag).fork().uint32(KEY_VALUE.key).string(key).uint32(KEY_VALUE.value).fork();
    writeAnyValue(w, attributes[key]);
    w.ldelim().ldelim();
  }
}

function writeSpan(w: Writer, s: SpanData): void {
  w.uint32(SPANS).fork();
  writeId(w, SPAN.traceId, s.traceId);
  writeId(w, SPAN.spanId, s.spanId);
  if (s.traceState) w.uint32(SPAN.traceState).string(s.traceState);
  if (s.parentSpanId) writeId(w, SPAN.parentSpanId, s.parentSpanId);
  if (s.name) w.uint32(SPAN.name).string(s.name);
  const kind = SPAN_KIND_NUMBER[s.kind];
  if (kind) w.uint32(SPAN.kind).uint32(kind);
  writeNanos(w, SPAN.start, s.startMicros);
  writeNanos(w, SPAN.end, s.endMicros);
  writeKeyValues(w, SPAN.attributes, s.attributes);
  for (const event of s.events) {
    w.uint32(SPAN.events).fork();
    writeNanos(w, EVENT.time, event.timeMicros);
    if (event.name) w.uint32(EVENT.name).string(event.name);
    writeKeyValues(w, EVENT.attributes, event.attributes);
    w.ldelim();
  }
  // always there, as OpenTelemetry's exporters send it, even when unset
  w.uint32(SPAN.status).fork();
  if (s.status.message) w.uint32(STATUS.message).string(s.status.message);
  const code = STATUS_NUMBER[s.status.code];
  if (code) w.uint32(STATUS.code).uint32(code);
  w.ldelim();
  w.ldelim();
}

const encoded = (write: (w: Writer) => void): Uint8Array => {
  const w = protobuf.Writer.create();
  write(w);
  return w.finish();
};

/**
 * Encodes ExportTraceServiceRequests of one resource and instrumentation scope: those two are encoded here, once,
 * and each request writes only its spans.
 */
export function traceRequestEncoder(
  resource: Attributes,
  scope: { name: string; version: string },
): (spans: readonly SpanData[]) => Uint8Array {
  const resourceBytes = encoded((w) => writeKeyValues(w, RESOURCE_ATTRIBUTES, resource));
  const scopeBytes = encoded((w) =>
    w.uint32(SCOPE_NAME).string(scope.name).uint32(SCOPE_VERSION).string(scope.version),
  );
  return (spans) => {
    const w = protobuf.Writer.create();
    w.uint32(RESOURCE_SPANS).fork().uint32(RESOURCE).bytes(resourceBytes).uint32(SCOPE_SPANS).fork();
    w.uint32(SCOPE).bytes(scopeBytes);
    for (const span of spans) writeSpan(w, span);
    return w.ldelim().ldelim().finish();
  };
}
