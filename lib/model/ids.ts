import { randomBytes } from "node:crypto";

export const TRACE_ID = /^[0-9a-f]{32}$/;
export const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO = /^0+$/;

export const newTraceId = (): string => randomBytes(16).toString("hex");
export const newSpanId = (): string => randomBytes(8).toString("hex");

/** Lower-cases a hex id and checks its shape; all-zero ids are invalid (W3C Trace Context). */
export function normalizeId(value: string, pattern: RegExp): string | undefined {
  const id = value.trim().toLowerCase().replace(/-/g, "");
  return pattern.test(id) && !ZERO.test(id) ? id : undefined;
}
