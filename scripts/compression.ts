// Compression of answers by Tracedeck's production server (scripts/serve.ts): the REST API, OTLP answers, /metrics,
// the OpenAPI document, pages and static files all go gzip- or br-encoded to a client that accepts it. Next's own
// compression is off (next.config.ts): it knows only gzip and leaves route handlers' answers as they are.
//
// The encoder sits between Next and the socket as a stream: an answer of any size (a large trace is tens of MB of
// JSON) goes out as it is encoded, and a slow client slows the encoder, which slows Next's writes ('drain' listeners
// on the response wait for the encoder). Answers that stream by nature (pages, server-sent events, NDJSON) are
// flushed after each burst of writes so that every piece reaches the client as soon as it is written.
import { EventEmitter } from "node:events";
import type { IncomingMessage, OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from "node:http";
import zlib from "node:zlib";

export type Coding = "br" | "gzip";

/** Smaller answers go as they are: a few hundred bytes saved cost more in CPU than they save on the wire. */
export const MIN_COMPRESSED_BYTES = 1024;
/**
 * Measured on a 10k-span trace answer: brotli at quality 4 costs the CPU of gzip at its default level 6 and is a
 * fifth smaller; quality 11 (brotli's default) takes seconds per MB, far too slow for answers made on demand.
 */
export const BROTLI_QUALITY = 4;
/**
 * A 1 MiB window (2^20) instead of brotli's 4 MiB: each encoder's buffers are a quarter the size, which a server
 * passing on a long trace's pages of megabytes feels in its RSS; JSON repeats itself at shorter distances than that,
 * so the answers are no larger (a million-span trace: 6.4 MB on the wire against 6.5).
 */
export const BROTLI_WINDOW_BITS = 20;
export const GZIP_LEVEL = 6;

/** The coding an Accept-Encoding header asks for: the one of highest q-value, br on a tie; none without the header. */
export function negotiate(acceptEncoding: string | string[] | undefined): Coding | null {
  if (acceptEncoding === undefined) return null;
  const weights = new Map<string, number>();
  for (const entry of String(acceptEncoding).split(",")) {
    const [token, ...params] = entry.split(";");
    const name = token?.trim().toLowerCase();
    if (!name) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split("=").map((s) => s.trim());
      if (key?.toLowerCase() === "q") q = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value ?? "") ? Number(value) : 0;
    }
    const coding = name === "x-gzip" ? "gzip" : name;
    // the highest weight given to one name counts (`gzip;q=0, gzip` is an odd way of accepting gzip)
    weights.set(coding, Math.max(weights.get(coding) ?? 0, q));
  }
  const weight = (coding: Coding) => weights.get(coding) ?? weights.get("*") ?? 0;
  const br = weight("br");
  const gzip = weight("gzip");
  if (br <= 0 && gzip <= 0) return null;
  return br >= gzip ? "br" : "gzip";
}

const essence = (contentType: string) => contentType.split(";")[0]!.trim().toLowerCase();

const COMPRESSIBLE = new Set([
  "application/json",
  "application/javascript",
  "application/ecmascript",
  "application/xml",
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/wasm",
]);

/** Text and JSON are; images (but SVG), fonts, archives and anything already compressed are not. */
export function isCompressible(contentType: string): boolean {
  const type = essence(contentType);
  return type.startsWith("text/") || COMPRESSIBLE.has(type) || /\+(?:json|xml|text)$/.test(type);
}

const STREAMING = new Set([
  "text/event-stream",
  "application/x-ndjson",
  "application/ndjson",
  "text/html",
  "text/x-component",
]);

/** Answers that the client reads while they are written: pages, React server component payloads, events, NDJSON. */
export function isStreaming(contentType: string): boolean {
  return STREAMING.has(essence(contentType));
}

function createEncoder(coding: Coding, sizeHint: number | undefined): zlib.Gzip | zlib.BrotliCompress {
  if (coding === "gzip") return zlib.createGzip({ level: GZIP_LEVEL });
  const params: Record<number, number> = {
    [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
    [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
    [zlib.constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
  };
  if (sizeHint) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  return zlib.createBrotliCompress({ params });
}

function addVary(res: ServerResponse): void {
  const vary = res.getHeader("vary");
  const current = Array.isArray(vary) ? vary.join(", ") : vary === undefined ? "" : String(vary);
  const names = current.split(",").map((name) => name.trim().toLowerCase());
  if (names.includes("*") || names.includes("accept-encoding")) return;
  res.setHeader("Vary", current.trim() ? `${current}, Accept-Encoding` : "Accept-Encoding");
}

type Listener = (...args: unknown[]) => void;
type Method = (this: ServerResponse, ...args: unknown[]) => unknown;
type Callback = (error?: Error | null) => void;
type Chunk = string | Uint8Array;
interface Held {
  chunk: Buffer;
  callback?: Callback;
}

const toBuffer = (chunk: Chunk, encoding?: BufferEncoding): Buffer =>
  typeof chunk === "string"
    ? Buffer.from(chunk, encoding)
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

/** Statuses whose answers carry no body, and partial answers (a byte range of the uncompressed file). */
const UNCOMPRESSED_STATUSES = new Set([204, 205, 206, 304]);

/**
 * Makes `res` encode its body as `req` accepts, deciding when the body starts: the headers the handler set (type,
 * length, Content-Encoding, Cache-Control: no-transform), the method and the status say whether to. An answer that
 * does not say its length is held until 1 KiB of it is written or it ends, so that small answers go uncompressed
 * (and with a Content-Length); answers that stream by nature are not held.
 */
export function compressAnswer(req: IncomingMessage, res: ServerResponse): void {
  const accepted = negotiate(req.headers["accept-encoding"]);
  const original = {
    writeHead: res.writeHead as Method,
    write: res.write as Method,
    end: res.end as Method,
    flushHeaders: res.flushHeaders,
    on: res.on as Method,
    removeListener: res.removeListener as Method,
  };
  let state: "open" | "plain" | "encoded" = "open";
  // decide() moves the state on: read it afresh after calling it
  const plain = () => state === "plain";
  let encoder: zlib.Gzip | zlib.BrotliCompress | undefined;
  let held: Held[] = [];
  let heldBytes = 0;
  // 'drain' listeners added before the decision: they go to the socket's side or to the encoder's, once it is known
  let drainListeners: Listener[] = [];
  let streaming = false;
  let flushPending = false;

  const contentType = () => String(res.getHeader("content-type") ?? "");
  const declaredLength = (): number | undefined => {
    const length = res.getHeader("content-length");
    return length === undefined ? undefined : Number(length);
  };
  // Could the client get another encoding of this answer? Then caches must know it depends on Accept-Encoding.
  const varies = () => {
    if (!isCompressible(contentType())) return false;
    if (/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(String(res.getHeader("cache-control") ?? ""))) return false;
    const encoding = res.getHeader("content-encoding");
    return encoding === undefined || String(encoding).toLowerCase() === "identity";
  };
  // the coding to use if the answer is large enough
  const eligible = (): Coding | null =>
    accepted && req.method !== "HEAD" && res.statusCode >= 200 && !UNCOMPRESSED_STATUSES.has(res.statusCode) && varies()
      ? accepted
      : null;
  // whether the decision can be made before any of the body is seen
  const decidable = () => !eligible() || declaredLength() !== undefined || isStreaming(contentType());

  function decide(bodyBytes: number | undefined): void {
    if (varies()) addVary(res);
    const length = declaredLength() ?? bodyBytes;
    const coding = eligible();
    if (!coding || (length !== undefined && length < MIN_COMPRESSED_BYTES)) {
      state = "plain";
      for (const listener of drainListeners) original.on.call(res, "drain", listener);
      drainListeners = [];
      return;
    }
    state = "encoded";
    streaming = isStreaming(contentType());
    res.setHeader("Content-Encoding", coding);
    res.removeHeader("Content-Length");
    // the encoded answer is not byte for byte the one a strong validator names
    const etag = res.getHeader("etag");
    if (typeof etag === "string" && etag.startsWith('"')) res.setHeader("ETag", `W/${etag}`);
    const stream = createEncoder(coding, length);
    encoder = stream;
    stream.on("data", (chunk: Buffer) => {
      if (!original.write.call(res, chunk)) stream.pause();
    });
    EventEmitter.prototype.on.call(res, "drain", () => stream.resume());
    stream.on("end", () => original.end.call(res));
    stream.on("error", (error) => res.destroy(error));
    // a client gone before the end leaves the encoder to be released
    EventEmitter.prototype.once.call(res, "close", () => {
      if (!res.writableFinished) stream.destroy();
    });
    for (const listener of drainListeners) stream.on("drain", listener);
    drainListeners = [];
  }

  function scheduleFlush(): void {
    if (!streaming || flushPending) return;
    flushPending = true;
    setImmediate(() => {
      flushPending = false;
      if (encoder && !encoder.writableEnded && !encoder.destroyed) {
        encoder.flush(encoder instanceof zlib.Gzip ? zlib.constants.Z_SYNC_FLUSH : undefined);
      }
    });
  }

  function releaseHeld(): void {
    if (!held.length) return;
    const chunks = held;
    held = [];
    heldBytes = 0;
    for (const { chunk, callback } of chunks) {
      if (encoder) encoder.write(chunk, callback);
      else original.write.call(res, chunk, callback);
    }
    scheduleFlush();
  }

  res.writeHead = function (
    this: ServerResponse,
    statusCode: number,
    reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ) {
    if (typeof reason !== "string") [reason, headers] = [undefined, reason];
    if (state === "open") {
      // headers given here join those set before, so that the decision sees them
      this.statusCode = statusCode;
      if (Array.isArray(headers)) {
        const flat = headers.flat();
        for (let i = 0; i + 1 < flat.length; i += 2) this.appendHeader(String(flat[i]), String(flat[i + 1]));
      } else if (headers) {
        for (const [name, value] of Object.entries(headers)) if (value !== undefined) this.setHeader(name, value);
      }
      headers = undefined;
      decide(undefined);
    }
    const written =
      reason === undefined
        ? original.writeHead.call(this, statusCode, headers)
        : original.writeHead.call(this, statusCode, reason, headers);
    releaseHeld();
    return written;
  } as ServerResponse["writeHead"];

  res.flushHeaders = function (this: ServerResponse) {
    // Next flushes the headers just before the first piece of the body: wait for it to know the answer's size
    if (state === "open" && !decidable()) return;
    if (state === "open") decide(undefined);
    original.flushHeaders.call(this);
    releaseHeld();
  };

  res.write = function (this: ServerResponse, chunk: Chunk, encoding?: BufferEncoding | Callback, callback?: Callback) {
    if (typeof encoding === "function") [encoding, callback] = [undefined, encoding];
    if (state === "open") {
      if (decidable()) {
        decide(undefined);
        releaseHeld();
      } else {
        const buffer = toBuffer(chunk, encoding);
        held.push({ chunk: buffer, callback });
        heldBytes += buffer.length;
        if (heldBytes >= MIN_COMPRESSED_BYTES) {
          decide(undefined);
          releaseHeld();
          return encoder ? !encoder.writableNeedDrain : !this.writableNeedDrain;
        }
        return true;
      }
    }
    if (plain()) return original.write.call(this, chunk, encoding, callback) as boolean;
    const ok = encoding ? encoder!.write(chunk, encoding, callback) : encoder!.write(chunk, callback);
    scheduleFlush();
    return ok;
  } as ServerResponse["write"];

  res.end = function (
    this: ServerResponse,
    chunk?: Chunk | Callback,
    encoding?: BufferEncoding | Callback,
    callback?: Callback,
  ) {
    if (typeof chunk === "function") [chunk, encoding, callback] = [undefined, undefined, chunk];
    if (typeof encoding === "function") [encoding, callback] = [undefined, encoding];
    if (state === "open") {
      if (chunk !== undefined) {
        const buffer = toBuffer(chunk, encoding);
        held.push({ chunk: buffer });
        heldBytes += buffer.length;
      }
      chunk = undefined;
      decide(declaredLength() === undefined ? heldBytes : undefined);
      if (plain() && held.length) {
        // one piece, so that Node says its length
        const body = Buffer.concat(held.map((h) => h.chunk));
        const callbacks = held.flatMap((h) => (h.callback ? [h.callback] : []));
        held = [];
        return original.end.call(this, body, () => {
          for (const cb of callbacks) cb();
          callback?.();
        }) as ServerResponse;
      }
      releaseHeld();
    }
    if (plain()) return original.end.call(this, chunk, encoding, callback) as ServerResponse;
    if (callback) this.once("finish", callback);
    if (chunk !== undefined) encoder!.end(toBuffer(chunk, encoding));
    else encoder!.end();
    return this;
  } as ServerResponse["end"];

  // 'drain' means room in the encoder once the answer is encoded: a writer that waits for it waits for the encoder
  res.on = res.addListener = function (this: ServerResponse, event: string | symbol, listener: Listener) {
    if (event !== "drain" || state === "plain") return original.on.call(this, event, listener);
    if (encoder) encoder.on(event, listener);
    else drainListeners.push(listener);
    return this;
  } as ServerResponse["on"];
  res.off = res.removeListener = function (this: ServerResponse, event: string | symbol, listener: Listener) {
    if (event !== "drain" || state === "plain") return original.removeListener.call(this, event, listener);
    if (encoder) encoder.removeListener(event, listener);
    else
      drainListeners = drainListeners.filter(
        (added) => added !== listener && (added as { listener?: Listener }).listener !== listener,
      );
    return this;
  } as ServerResponse["removeListener"];
}
