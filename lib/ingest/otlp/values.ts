import { encodeBytes, encodeDouble, encodeInt } from "@/lib/model/attributes";
import type { Attributes } from "@/lib/model/records";
import { MAX_NAME_BYTES, truncateUtf8 } from "@/lib/model/text";

// OTLP AnyValue / KeyValue lists → typed JSON (see lib/model/attributes.ts). The input is the
// OTLP/JSON object shape, which protobuf requests are decoded into as well.

export class MalformedOtlp extends Error {}

type Obj = Record<string, unknown>;

export const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A repeated field: absent is empty; anything but an array is malformed. */
export function list(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new MalformedOtlp(`${field} must be an array`);
  return value;
}

/**
 * A string field: a string as it is, a number or boolean as its text; anything else is malformed (and is never
 * turned into text: an array nested 20,000 deep would take the stack with it).
 */
export function stringField(value: unknown, field: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  throw new MalformedOtlp(`${field} must be a string`);
}

export function anyValue(value: unknown, depth = 0): unknown {
  if (!isObject(value)) return null;
  if (depth > 64) throw new MalformedOtlp("a value nests deeper than 64 levels");
  if ("stringValue" in value) return stringField(value.stringValue, "stringValue");
  if ("boolValue" in value) return value.boolValue === true || value.boolValue === "true";
  if ("intValue" in value) {
    const raw = value.intValue;
    if (typeof raw !== "string" && typeof raw !== "number") throw new MalformedOtlp("intValue must be an integer");
    try {
      return encodeInt(typeof raw === "number" ? Math.trunc(raw) : raw.trim());
    } catch {
      throw new MalformedOtlp(`intValue "${String(raw).slice(0, 40)}" is not an integer`);
    }
  }
  if ("doubleValue" in value) {
    const raw = value.doubleValue;
    if (typeof raw !== "number" && typeof raw !== "string") throw new MalformedOtlp("doubleValue must be a number");
    return encodeDouble(raw);
  }
  if ("arrayValue" in value) {
    const array = isObject(value.arrayValue) ? value.arrayValue.values : undefined;
    return list(array, "arrayValue.values").map((v) => anyValue(v, depth + 1));
  }
  if ("kvlistValue" in value) {
    const kv = isObject(value.kvlistValue) ? value.kvlistValue.values : undefined;
    return keyValues(kv, depth + 1);
  }
  if ("bytesValue" in value) return encodeBytes(stringField(value.bytesValue, "bytesValue"));
  return null; // an empty AnyValue
}

export function keyValues(value: unknown, depth = 0): Attributes {
  const out: Attributes = {};
  for (const kv of list(value, "attributes")) {
    if (!isObject(kv)) throw new MalformedOtlp("attributes items must be objects");
    // an empty key (protobuf's default, absent once decoded) names nothing: the attribute is left out
    if (kv.key === undefined || kv.key === null || kv.key === "") continue;
    if (typeof kv.key !== "string") throw new MalformedOtlp("an attribute needs a string key");
    setAttribute(out, kv.key, anyValue(kv.value, depth));
  }
  return out;
}

/**
 * Sets an attribute. Assigned, the key "__proto__" would set the object's prototype: that one key is defined instead
 * (defining every key would make each attributes object a slow dictionary, for the mapper and JSON.stringify after it).
 */
export function setAttribute(out: Attributes, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** fixed64/int64 fields: decimal strings or numbers in JSON, strings from protobuf. */
export function uint64(value: unknown, field: string): bigint {
  if (value === undefined || value === null || value === "") return 0n;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^\d{1,20}$/.test(value.trim())) return BigInt(value.trim());
  throw new MalformedOtlp(`${field} must be an unsigned integer (a decimal string or number)`);
}

export function numberField(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  if (value === "NaN" || value === "Infinity" || value === "-Infinity") return Number(value);
  throw new MalformedOtlp(`${field} must be a number`);
}

export function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** Trace and span ids: hex in OTLP/JSON, base64 once a protobuf request is decoded to an object. */
export type IdEncoding = "hex" | "base64";

export function id(value: unknown, encoding: IdEncoding, length: 16 | 8): string | null | undefined {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string") return undefined;
  const hex = encoding === "hex" ? value.toLowerCase() : Buffer.from(value, "base64").toString("hex");
  if (hex.length !== length * 2 || !/^[0-9a-f]+$/.test(hex) || /^0+$/.test(hex)) return undefined;
  return hex;
}

export interface Scope {
  name: string;
  version: string | null;
  attributes: Attributes;
  dropped_attributes_count?: number;
}

export function scope(value: unknown): Scope | null {
  if (!isObject(value)) return null;
  const dropped = Number(value.droppedAttributesCount ?? 0);
  return {
    name: stringField(value.name, "scope.name"),
    version: text(value.version),
    attributes: keyValues(value.attributes),
    ...(dropped ? { dropped_attributes_count: dropped } : {}),
  };
}

export function resource(value: unknown): { attributes: Attributes; serviceName: string } {
  const attributes = isObject(value) ? keyValues(value.attributes) : {};
  const service = attributes["service.name"];
  return {
    attributes,
    serviceName: typeof service === "string" && service ? truncateUtf8(service, MAX_NAME_BYTES) : "unknown_service",
  };
}
