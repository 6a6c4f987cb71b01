// Attribute values keep their OpenTelemetry type in JSON. Most types map to JSON as they are:
// string → string, bool → boolean, int → integral number, double → non-integral number,
// array → array, kvlist → object. Where JSON alone would blur the type, a one-key tag says it:
//   {"@int": "9007199254740993"}   an int beyond ±2^53 (JSON numbers lose its digits)
//   {"@double": 2} or {"@double": "NaN"}   a double with an integral value, or not finite
//   {"@bytes": "AAEC"}             bytes, base64
// jsonb stores these as they are; readers turn them back with attributeType/attributeValue.

export type AttributeType = "string" | "bool" | "int" | "double" | "array" | "kvlist" | "bytes" | "empty";

export const INT_TAG = "@int";
export const DOUBLE_TAG = "@double";
export const BYTES_TAG = "@bytes";

export function encodeInt(value: string | number | bigint): unknown {
  const big = BigInt(value);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(big)
    : { [INT_TAG]: big.toString() };
}

export function encodeDouble(value: number | string): unknown {
  const n = typeof value === "string" ? Number(value) : value;
  if (!Number.isFinite(n)) return { [DOUBLE_TAG]: String(n) };
  return Number.isInteger(n) ? { [DOUBLE_TAG]: n } : n;
}

export function encodeBytes(base64: string): unknown {
  return { [BYTES_TAG]: base64 };
}

function tagOf(value: object): [string, unknown] | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  return key === INT_TAG || key === DOUBLE_TAG || key === BYTES_TAG
    ? [key, (value as Record<string, unknown>)[key]]
    : undefined;
}

/** The OpenTelemetry type of a stored attribute value. */
export function attributeType(value: unknown): AttributeType {
  if (value === null || value === undefined) return "empty";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "double";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") {
    const tag = tagOf(value);
    if (tag?.[0] === INT_TAG) return "int";
    if (tag?.[0] === DOUBLE_TAG) return "double";
    if (tag?.[0] === BYTES_TAG) return "bytes";
    return "kvlist";
  }
  return "string";
}
