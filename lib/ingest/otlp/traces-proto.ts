import { isUtf8 } from "node:buffer";
import protobuf from "protobufjs";
import { storableText } from "@/lib/http/body";
import { encodeBytes, encodeDouble, encodeInt } from "@/lib/model/attributes";
import { readSpanKind, readStatusCode } from "@/lib/model/enums";
import type { Attributes, SpanEventRecord, SpanRecord } from "@/lib/model/records";
import { MAX_NAME_BYTES, truncateUtf8 } from "@/lib/model/text";
import { dropped, NANOS_IN_FUTURE_LIMIT, Rejections, type Mapped } from "./map";
import { MalformedOtlp, setAttribute, type Scope } from "./values";

// An OTLP/protobuf ExportTraceServiceRequest straight to span records, with protobufjs's Reader: what
// mapTraces(decodeRequest(bytes)) gives (map.ts, from the OTLP/JSON shape), without the plain objects in between
// (64-bit integers as decimal text, ids as base64, every message an object), which cost the server more than the
// rest of ingest. The same records, rejected for the same reasons in the same order; checked against that path by
// traces-proto.test.ts.
//
// Decoding follows protobufjs's (and protobuf's) rules: fields by number, a field of another wire type than its own
// skipped as unknown, strings valid UTF-8, a singular message field seen twice merged (read as one message from both
// slices), the last member of a oneof winning, a scalar set to its default cleared, 100 levels of messages at most.
// A message's fields are noted in one pass and mapped after it, as a field may come after the one it depends on (a
// resource after its spans). A span's attributes, events and links are read only once it passes its checks: bytes
// broken inside a span rejected for its ids do not cost the rest of the request, as they do on the general path.

const VARINT = 0;
const FIXED64 = 1;
const DELIMITED = 2;
const FIXED32 = 5;
/** protobufjs's Reader.recursionLimit: messages nested deeper are refused */
const RECURSION_LIMIT = 100;

type Reader = protobuf.Reader;

/** Where a length-delimited field's bytes are: [start, end). */
interface Slice {
  start: number;
  end: number;
}

/** The field's bytes, skipped; read later with `within`. */
function slice(r: Reader): Slice {
  const length = r.uint32();
  const start = r.pos;
  r.skip(length);
  return { start, end: start + length };
}

/**
 * Runs `read` over the message in `slices` (protobuf merges a message seen twice), with the reader confined to each.
 * (An error ends the whole request: the reader is put back only on success.)
 */
function within(r: Reader, slices: Slice | Slice[], q: number, read: (r: Reader, q: number) => void): void {
  if (q > RECURSION_LIMIT) throw new Error("max depth exceeded");
  const pos = r.pos;
  const len = r.len;
  if (Array.isArray(slices)) {
    for (const { start, end } of slices) {
      r.pos = start;
      r.len = end;
      read(r, q);
    }
  } else {
    r.pos = slices.start;
    r.len = slices.end;
    read(r, q);
  }
  r.pos = pos;
  r.len = len;
}

/** Skips a field this decoder does not read, or one of another wire type than its own. */
const skip = (r: Reader, tag: number, q: number) => r.skipType(tag & 7, q, tag >>> 3);

/** A string field: valid UTF-8 (protobuf's rule for proto3 strings, as protobufjs's stringVerify), made storable. */
function text(r: Reader): string {
  const length = r.uint32();
  const start = r.pos;
  r.skip(length);
  const buf = r.buf as Buffer;
  let ascii = true;
  let nul = false;
  for (let i = start; i < r.pos; i++) {
    const byte = buf[i]!;
    if (byte >= 0x80) {
      ascii = false;
      break;
    }
    if (byte === 0) nul = true;
  }
  // ASCII is UTF-8 as it is, and storable unless it holds a NUL; anything else is checked whole, then decoded
  if (ascii) return nul ? storableText(buf.toString("latin1", start, r.pos)) : buf.toString("latin1", start, r.pos);
  if (!isUtf8(buf.subarray(start, r.pos))) throw new Error("invalid UTF-8");
  return storableText(buf.toString("utf8", start, r.pos));
}
/** fixed64 as an unsigned bigint */
function fixed64(r: Reader): bigint {
  const low = r.fixed32();
  const high = r.fixed32();
  return high === 0 ? BigInt(low) : (BigInt(high) << 32n) | BigInt(low);
}
/** int64 as a signed bigint (protobufjs gives a Long, or a number without long.js) */
function int64(r: Reader): bigint {
  const value = r.int64() as unknown as number | { low: number; high: number };
  if (typeof value === "number") return BigInt(value);
  return BigInt.asIntN(64, (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0));
}
/** a trace or span id: null when empty, undefined when not `length` bytes or all zeros */
function id(bytes: Uint8Array | undefined, length: 16 | 8): string | null | undefined {
  if (bytes === undefined || bytes.length === 0) return null;
  if (bytes.length !== length || bytes.every((b) => b === 0)) return undefined;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

/** id() of a bytes field still in the reader's buffer, where `at` is: no copy of the bytes on the way */
function idAt(buf: Buffer, at: Slice | undefined, length: 16 | 8): string | null | undefined {
  if (at === undefined || at.end === at.start) return null;
  if (at.end - at.start !== length) return undefined;
  for (let i = at.start; i < at.end; i++) if (buf[i] !== 0) return buf.toString("hex", at.start, at.end);
  return undefined;
}

const ARRAY = 5;
const KVLIST = 6;

/** AnyValue, as values.ts's anyValue maps it; `depth` counts the values it is nested in, `q` the messages. */
function anyValue(r: Reader, slices: Slice[], depth: number, q: number): unknown {
  if (depth > 64) throw new MalformedOtlp("a value nests deeper than 64 levels");
  if (q > RECURSION_LIMIT) throw new Error("max depth exceeded");
  const pos = r.pos;
  const len = r.len;
  // the oneof's last member on the wire: its field number and value, or the slices of a message member (one seen
  // again in a row merges)
  let member = 0;
  let value: unknown = null;
  let messages: Slice[] = [];
  for (const { start, end } of slices) {
    r.pos = start;
    r.len = end;
    while (r.pos < r.len) {
      const tag = r.uint32();
      const wire = tag & 7;
      const field = tag >>> 3;
      if (field === 1 && wire === DELIMITED) value = text(r);
      else if (field === 2 && wire === VARINT) value = r.bool();
      else if (field === 3 && wire === VARINT) value = encodeInt(int64(r));
      else if (field === 4 && wire === FIXED64) value = encodeDouble(r.double());
      else if (field === 7 && wire === DELIMITED) {
        const bytes = r.bytes();
        value = encodeBytes(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64"));
      } else if ((field === ARRAY || field === KVLIST) && wire === DELIMITED) {
        if (member !== field) messages = [];
        messages.push(slice(r));
      } else {
        skip(r, tag, q);
        continue;
      }
      member = field;
    }
  }
  r.pos = pos;
  r.len = len;
  if (member === ARRAY) {
    const values: unknown[] = [];
    within(r, messages, q + 1, (r, q) => {
      while (r.pos < r.len) {
        const tag = r.uint32();
        if (tag >>> 3 === 1 && (tag & 7) === DELIMITED) values.push(anyValue(r, [slice(r)], depth + 1, q + 1));
        else skip(r, tag, q);
      }
    });
    return values;
  }
  if (member === KVLIST) return keyValues(r, messages, depth + 1, q + 1);
  return value;
}

/** A KeyValue into `out`. */
function keyValue(r: Reader, item: Slice, depth: number, q: number, out: Attributes): void {
  if (q > RECURSION_LIMIT) throw new Error("max depth exceeded");
  const pos = r.pos;
  const len = r.len;
  r.pos = item.start;
  r.len = item.end;
  let key: string | undefined;
  let value: Slice[] | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === DELIMITED) key = text(r);
    else if (tag >>> 3 === 2 && (tag & 7) === DELIMITED) (value ??= []).push(slice(r));
    else skip(r, tag, q);
  }
  r.pos = pos;
  r.len = len;
  const mapped = value ? anyValue(r, value, depth, q + 1) : null;
  // as values.ts's keyValues: an empty key names nothing
  if (key) setAttribute(out, key, mapped);
}

/** A message whose field 1 is a repeated KeyValue (KeyValueList, Resource), as attributes. */
function keyValues(r: Reader, slices: Slice[], depth: number, q: number): Attributes {
  const items: Slice[] = [];
  within(r, slices, q, (r, q) => {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 1 && (tag & 7) === DELIMITED) items.push(slice(r));
      else skip(r, tag, q);
    }
  });
  return attributesOf(r, items, q + 1, depth);
}

/** Attributes from the KeyValue slices noted for a message (`q`: the KeyValues' level). */
function attributesOf(r: Reader, items: Slice[], q: number, depth = 0): Attributes {
  const out: Attributes = {};
  for (const item of items) keyValue(r, item, depth, q, out);
  return out;
}

function resource(r: Reader, slices: Slice[]): { attributes: Attributes; serviceName: string } {
  // Request 0 › ResourceSpans 1 › Resource 2
  const attributes = keyValues(r, slices, 0, 2);
  const service = attributes["service.name"];
  return {
    attributes,
    serviceName: typeof service === "string" && service ? truncateUtf8(service, MAX_NAME_BYTES) : "unknown_service",
  };
}

function scope(r: Reader, slices: Slice[]): Scope {
  let name = "";
  let version: string | null = null;
  const attributes: Slice[] = [];
  let droppedAttributes = 0;
  // … ScopeSpans 2 › InstrumentationScope 3
  within(r, slices, 3, (r, q) => {
    while (r.pos < r.len) {
      const tag = r.uint32();
      const wire = tag & 7;
      const field = tag >>> 3;
      if (field === 1 && wire === DELIMITED) name = text(r);
      else if (field === 2 && wire === DELIMITED) version = text(r) || null;
      else if (field === 3 && wire === DELIMITED) attributes.push(slice(r));
      else if (field === 4 && wire === VARINT) droppedAttributes = r.uint32();
      else skip(r, tag, q);
    }
  });
  return {
    name,
    version,
    attributes: attributesOf(r, attributes, 4),
    ...(droppedAttributes ? { dropped_attributes_count: droppedAttributes } : {}),
  };
}

/** … Span 3 › Event 4 */
function event(r: Reader, item: Slice): SpanEventRecord {
  let time = 0n;
  let name = "";
  const attributes: Slice[] = [];
  let droppedAttributes = 0;
  within(r, item, 4, (r, q) => {
    while (r.pos < r.len) {
      const tag = r.uint32();
      const wire = tag & 7;
      const field = tag >>> 3;
      if (field === 1 && wire === FIXED64) time = fixed64(r);
      else if (field === 2 && wire === DELIMITED) name = text(r);
      else if (field === 3 && wire === DELIMITED) attributes.push(slice(r));
      else if (field === 4 && wire === VARINT) droppedAttributes = r.uint32();
      else skip(r, tag, q);
    }
  });
  return {
    name,
    time_unix_nano: time.toString(),
    attributes: attributesOf(r, attributes, 5),
    ...(droppedAttributes ? { dropped_attributes_count: droppedAttributes } : {}),
  };
}

/** … Span 3 › Link 4 */
function link(r: Reader, item: Slice): Record<string, unknown> {
  let traceId: Uint8Array | undefined;
  let spanId: Uint8Array | undefined;
  let traceState: string | null = null;
  const attributes: Slice[] = [];
  let droppedAttributes = 0;
  let flags = 0;
  within(r, item, 4, (r, q) => {
    while (r.pos < r.len) {
      const tag = r.uint32();
      const wire = tag & 7;
      const field = tag >>> 3;
      if (field === 1 && wire === DELIMITED) traceId = r.bytes();
      else if (field === 2 && wire === DELIMITED) spanId = r.bytes();
      else if (field === 3 && wire === DELIMITED) traceState = text(r) || null;
      else if (field === 4 && wire === DELIMITED) attributes.push(slice(r));
      else if (field === 5 && wire === VARINT) droppedAttributes = r.uint32();
      else if (field === 6 && wire === FIXED32) flags = r.fixed32();
      else skip(r, tag, q);
    }
  });
  return {
    trace_id: id(traceId, 16) ?? null,
    span_id: id(spanId, 8) ?? null,
    trace_state: traceState,
    attributes: attributesOf(r, attributes, 5),
    ...(droppedAttributes ? { dropped_attributes_count: droppedAttributes } : {}),
    // a scalar at its default is no field at all
    ...(flags ? { flags } : {}),
  };
}

/** … Span 3 › Status 4: its code and message */
function status(r: Reader, slices: Slice[]): { code: number; message: string | null } {
  let code = 0;
  let message: string | null = null;
  within(r, slices, 4, (r, q) => {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 2 && (tag & 7) === DELIMITED) message = text(r) || null;
      else if (tag >>> 3 === 3 && (tag & 7) === VARINT) code = r.int32();
      else skip(r, tag, q);
    }
  });
  return { code, message };
}

interface Context {
  resource: { attributes: Attributes; serviceName: string };
  scope: Attributes | null;
  spans: SpanRecord[];
  rejected: Rejections;
}

/** … ScopeSpans 2 › Span 3 */
function span(r: Reader, item: Slice, { resource, scope, spans, rejected }: Context): void {
  let traceIdAt: Slice | undefined;
  let spanIdAt: Slice | undefined;
  let parentAt: Slice | undefined;
  let traceState: string | null = null;
  let flags = 0;
  let name = "";
  let kind = 0;
  let start = 0n;
  let finish = 0n;
  const attributes: Slice[] = [];
  const events: Slice[] = [];
  const links: Slice[] = [];
  let droppedAttributes = 0;
  let droppedEvents = 0;
  let droppedLinks = 0;
  const statusSlices: Slice[] = [];
  // within(r, item, 3, …) written out: this runs for every span
  const q = 3;
  const pos = r.pos;
  const len = r.len;
  r.pos = item.start;
  r.len = item.end;
  while (r.pos < r.len) {
    const tag = r.uint32();
    const wire = tag & 7;
    const field = tag >>> 3;
    if (field === 1 && wire === DELIMITED) traceIdAt = slice(r);
    else if (field === 2 && wire === DELIMITED) spanIdAt = slice(r);
    else if (field === 3 && wire === DELIMITED) traceState = text(r) || null;
    else if (field === 4 && wire === DELIMITED) parentAt = slice(r);
    else if (field === 5 && wire === DELIMITED) name = text(r);
    else if (field === 6 && wire === VARINT) kind = r.int32();
    else if (field === 7 && wire === FIXED64) start = fixed64(r);
    else if (field === 8 && wire === FIXED64) finish = fixed64(r);
    else if (field === 9 && wire === DELIMITED) attributes.push(slice(r));
    else if (field === 10 && wire === VARINT) droppedAttributes = r.uint32();
    else if (field === 11 && wire === DELIMITED) events.push(slice(r));
    else if (field === 12 && wire === VARINT) droppedEvents = r.uint32();
    else if (field === 13 && wire === DELIMITED) links.push(slice(r));
    else if (field === 14 && wire === VARINT) droppedLinks = r.uint32();
    else if (field === 15 && wire === DELIMITED) statusSlices.push(slice(r));
    else if (field === 16 && wire === FIXED32) flags = r.fixed32();
    else skip(r, tag, q);
  }
  r.pos = pos;
  r.len = len;
  const buf = r.buf as Buffer;
  const traceId = idAt(buf, traceIdAt, 16);
  const spanId = idAt(buf, spanIdAt, 8);
  const parentSpanId = idAt(buf, parentAt, 8);
  if (!traceId) return rejected.add("a span has an invalid or empty trace id");
  if (!spanId) return rejected.add("a span has an invalid or empty span id");
  if (parentSpanId === undefined) return rejected.add("a span has an invalid parent span id");
  if (start === 0n || start > NANOS_IN_FUTURE_LIMIT || finish > NANOS_IN_FUTURE_LIMIT)
    return rejected.add("a span has no start time");
  if (finish !== 0n && finish < start) return rejected.add("a span ends before it starts");
  const { code, message } = statusSlices.length ? status(r, statusSlices) : { code: 0, message: null };
  const spanEvents = events.map((e) => event(r, e));
  const spanLinks = links.map((l) => link(r, l));
  spans.push({
    traceId,
    spanId,
    parentSpanId,
    name,
    serviceName: resource.serviceName,
    kind: readSpanKind(kind) ?? "internal",
    statusCode: readStatusCode(code) ?? "unset",
    statusMessage: message,
    startTimeUnixNano: start,
    endTimeUnixNano: finish === 0n ? start : finish,
    traceState,
    attributes: attributesOf(r, attributes, 4),
    resourceAttributes: resource.attributes,
    events: spanEvents,
    links: spanLinks,
    scope,
    // a scalar at its default is no field at all
    flags: flags || null,
    dropped: dropped({ attributes: droppedAttributes, events: droppedEvents, links: droppedLinks }),
  });
}

/** … ResourceSpans 1 › ScopeSpans 2 */
function scopeSpans(r: Reader, item: Slice, context: Omit<Context, "scope">): void {
  const scopeSlices: Slice[] = [];
  const spanSlices: Slice[] = [];
  within(r, item, 2, (r, q) => {
    while (r.pos < r.len) {
      const tag = r.uint32();
      const wire = tag & 7;
      const field = tag >>> 3;
      if (field === 1 && wire === DELIMITED) scopeSlices.push(slice(r));
      else if (field === 2 && wire === DELIMITED) spanSlices.push(slice(r));
      // schema_url: not kept, but a string all the same
      else if (field === 3 && wire === DELIMITED) text(r);
      else skip(r, tag, q);
    }
  });
  // one scope object for the scope's spans: nothing changes it after
  const spanScope: Attributes | null = scopeSlices.length ? { ...scope(r, scopeSlices) } : null;
  for (const s of spanSlices) span(r, s, { ...context, scope: spanScope });
}

/** Request 0 › ResourceSpans 1 */
function resourceSpans(r: Reader, item: Slice, spans: SpanRecord[], rejected: Rejections): void {
  const resourceSlices: Slice[] = [];
  const scopes: Slice[] = [];
  within(r, item, 1, (r, q) => {
    while (r.pos < r.len) {
      const tag = r.uint32();
      const wire = tag & 7;
      const field = tag >>> 3;
      if (field === 1 && wire === DELIMITED) resourceSlices.push(slice(r));
      else if (field === 2 && wire === DELIMITED) scopes.push(slice(r));
      // schema_url: not kept, but a string all the same
      else if (field === 3 && wire === DELIMITED) text(r);
      else skip(r, tag, q);
    }
  });
  const res = resourceSlices.length ? resource(r, resourceSlices) : { attributes: {}, serviceName: "unknown_service" };
  for (const s of scopes) scopeSpans(r, s, { resource: res, spans, rejected });
}

/**
 * The spans of an OTLP/protobuf traces export request. Throws MalformedOtlp for a request whose structure is wrong
 * and protobufjs's errors for bytes that are not protobuf.
 */
export function decodeTraces(bytes: Uint8Array): Mapped {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const r = protobuf.Reader.create(buffer);
  const spans: SpanRecord[] = [];
  const rejected = new Rejections();
  const items: Slice[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === DELIMITED) items.push(slice(r));
    else skip(r, tag, 0);
  }
  for (const item of items) resourceSpans(r, item, spans, rejected);
  return { batch: { spans }, rejected: rejected.count, reasons: rejected.reasons };
}
