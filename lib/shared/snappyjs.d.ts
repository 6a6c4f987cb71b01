// lib/shared: used by both the server and the SDK, so it imports neither (npm run lint:deps checks it).
// snappyjs ships no types; these cover the two functions it exports. Each answers in a freshly
// allocated buffer of the kind it was given.
declare module "snappyjs" {
  /** Snappy block compression (the raw format, no framing), as Prometheus remote write expects. */
  export function compress(input: ArrayBuffer): ArrayBuffer;
  export function compress(input: Uint8Array): Uint8Array<ArrayBuffer>;
  export function uncompress(input: ArrayBuffer, maxLength?: number): ArrayBuffer;
  export function uncompress(input: Uint8Array, maxLength?: number): Uint8Array<ArrayBuffer>;
}
