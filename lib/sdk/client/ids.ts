// Web Crypto is global in Node 20 and browsers alike, so ids need no Node built-in.

function randomHex(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  // an all-zero id is invalid in W3C Trace Context; 2^-64 odds, but a retry costs nothing
  do crypto.getRandomValues(buffer);
  while (buffer.every((b) => b === 0));
  return Array.from(buffer, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new trace id: 32 lowercase hex characters (16 random bytes). */
export const newTraceId = (): string => randomHex(16);

/** A new span id: 16 lowercase hex characters (8 random bytes). */
export const newSpanId = (): string => randomHex(8);
