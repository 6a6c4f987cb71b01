import { createGunzip, createInflate } from "node:zlib";
import { ApiError } from "@/lib/errors";

export interface BodyOptions {
  maxBytes: number;
  /** accepted media types, without parameters */
  contentTypes: readonly string[];
}

function mediaType(request: Request): string {
  return (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

function clientGone(error: unknown): ApiError {
  return new ApiError(
    "invalid_body",
    `the request body ended before it was complete (${(error as Error).message}): the client went away`,
  );
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `request body exceeds ${maxBytes} bytes`);
}

/**
 * Past the cap, what a client is still sending is read and thrown away (up to this much, for at
 * most DRAIN_MS) before the 413 goes out: a client mid-upload then reads the answer instead of a
 * connection reset under it. Anything larger or slower just gets the connection closed.
 */
const DRAIN_LIMIT = 64 * 1024 * 1024;
const DRAIN_MS = 5000;

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let drained = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), DRAIN_MS)));
  try {
    while (drained < DRAIN_LIMIT) {
      const next = await Promise.race([reader.read(), timeout]);
      if (next === "timeout" || next.done) return;
      drained += next.value.byteLength;
    }
  } catch {
    // the client went away: nothing left to drain
  } finally {
    clearTimeout(timer);
  }
}

/** Reads and throws away what a client is sending (within the drain bounds), before a refusal goes out. */
export async function discardBody(request: Request): Promise<void> {
  if (request.body && !request.bodyUsed) await drain(request.body.getReader());
}

/**
 * Reads a request body: checks the content type, inflates gzip/deflate while counting, and stops
 * at maxBytes (after decompression) without buffering more than that.
 */
export async function readBody(
  request: Request,
  options: BodyOptions,
): Promise<{ bytes: Buffer; contentType: string }> {
  const contentType = mediaType(request);
  if (!options.contentTypes.includes(contentType)) {
    throw new ApiError(
      "unsupported_media_type",
      `content type ${contentType ? `"${contentType}"` : "(none)"} is not supported; send ${options.contentTypes.join(" or ")}`,
    );
  }
  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (!["identity", "gzip", "x-gzip", "deflate", ""].includes(encoding)) {
    throw new ApiError(
      "unsupported_media_type",
      `content encoding "${encoding}" is not supported; send gzip, deflate or identity`,
    );
  }
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (encoding === "identity" || encoding === "") {
    if (declared > options.maxBytes) {
      if (request.body && declared <= DRAIN_LIMIT) await drain(request.body.getReader());
      throw tooLarge(options.maxBytes);
    }
  }
  if (!request.body) return { bytes: Buffer.alloc(0), contentType };

  const inflater =
    encoding === "gzip" || encoding === "x-gzip" ? createGunzip() : encoding === "deflate" ? createInflate() : null;
  const chunks: Buffer[] = [];
  let total = 0;
  const keep = (chunk: Buffer) => {
    total += chunk.length;
    if (total > options.maxBytes) throw tooLarge(options.maxBytes);
    chunks.push(chunk);
  };

  const reader = request.body.getReader();
  try {
    if (!inflater) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        keep(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    } else {
      await new Promise<void>((resolve, reject) => {
        const fail = (error: unknown) => {
          inflater.destroy();
          reject(
            error instanceof ApiError
              ? error
              : new ApiError(
                  "invalid_body",
                  `the ${encoding} body could not be decompressed: ${(error as Error).message}`,
                ),
          );
        };
        inflater.on("data", (chunk: Buffer) => {
          try {
            keep(chunk);
          } catch (error) {
            fail(error);
          }
        });
        inflater.on("error", fail);
        inflater.on("end", resolve);
        const pump = async () => {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) {
              inflater.end();
              return;
            }
            if (inflater.destroyed) return;
            // respect backpressure so a bomb never inflates far past the cap
            if (!inflater.write(value)) await new Promise((r) => inflater.once("drain", r));
          }
        };
        // reading failed: the client went away
        pump().catch((error: unknown) => fail(clientGone(error)));
      });
    }
  } catch (error) {
    if (error instanceof ApiError && error.code === "payload_too_large") await drain(reader);
    // the connection closed before the body was complete: the client went away (a reset reads as
    // ECONNRESET, which must not pass for a database that went away)
    if (!(error instanceof ApiError)) throw clientGone(error);
    throw error;
  } finally {
    reader.cancel().catch(() => {});
  }
  return { bytes: Buffer.concat(chunks, total), contentType };
}

/** Reads and parses a JSON body; anything that is not JSON is a 400. */
export async function readJson(request: Request, maxBytes: number): Promise<unknown> {
  const { bytes } = await readBody(request, { maxBytes, contentTypes: ["application/json"] });
  if (bytes.length === 0) throw new ApiError("invalid_json", "the request body is empty; send a JSON document");
  return parseJson(bytes);
}

/** JSON.parse with a 400 for what is not JSON, and strings made storable. */
export function parseJson(bytes: Buffer): unknown {
  const text = bytes.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError("invalid_json", `the request body is not valid JSON: ${(error as Error).message}`);
  }
  // Only escapes can put NUL or a lone surrogate into a string (raw bytes decode to U+FFFD).
  return UNSTORABLE_ESCAPE.test(text) ? storable(value) : value;
}

const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f])/i;

/** a NUL or a surrogate (paired or not): only such strings can need a change, and most strings hold neither */
const MAYBE_UNSTORABLE = /[\0\uD800-\uDFFF]/;
export const storableText = (text: string) =>
  MAYBE_UNSTORABLE.test(text) ? text.toWellFormed().replaceAll("\0", "\uFFFD") : text;

/**
 * Postgres text and jsonb hold neither NUL nor unpaired surrogates: they become U+FFFD, so one
 * odd character never costs a batch. Works in place, without recursion: a document nested
 * 20,000 deep is cleaned like any other (and refused later for its depth, item by item).
 */
export function storable(value: unknown): unknown {
  if (typeof value === "string") return storableText(value);
  if (!value || typeof value !== "object") return value;
  const pending: object[] = [value];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (ArrayBuffer.isView(node)) continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item === "string") node[i] = storableText(item);
        else if (item && typeof item === "object") pending.push(item);
      }
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      const cleanKey = storableText(key);
      const cleanItem = typeof item === "string" ? storableText(item) : item;
      if (cleanItem && typeof cleanItem === "object") pending.push(cleanItem);
      if (cleanKey === key && cleanItem === item) continue;
      if (cleanKey !== key) delete record[key];
      // defined, not assigned: a key "__proto__" stays a key
      Object.defineProperty(record, cleanKey, {
        value: cleanItem,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return value;
}
