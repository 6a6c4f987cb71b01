import { randomBytes } from "node:crypto";
import { once } from "node:events";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compressAnswer, isCompressible, negotiate } from "./compression";

describe("negotiate", () => {
  it.each([
    [undefined, null],
    ["", null],
    ["identity", null],
    ["gzip", "gzip"],
    ["x-gzip", "gzip"],
    ["br", "br"],
    ["gzip, deflate, br", "br"],
    ["gzip, deflate, br, zstd", "br"],
    ["deflate", null],
    ["*", "br"],
    ["gzip;q=0, br;q=0", null],
    ["gzip, br;q=0", "gzip"],
    ["GZIP;Q=1, BR;Q=0.5", "gzip"],
    ["gzip;q=0.5, br;q=0.8", "br"],
    ["*;q=0, gzip", "gzip"],
    ["br;q=0, *", "gzip"],
    ["gzip;q=2", null],
    ["gzip;q=abc", null],
    ["gzip ; q=0.001", "gzip"],
  ])("%j asks for %s", (header, coding) => {
    expect(negotiate(header)).toBe(coding);
  });
});

describe("isCompressible", () => {
  it.each([
    ["application/json", true],
    ["application/json; charset=utf-8", true],
    ["application/problem+json", true],
    ["text/plain; version=0.0.4; charset=utf-8", true],
    ["text/html; charset=utf-8", true],
    ["application/x-ndjson", true],
    ["text/event-stream", true],
    ["image/svg+xml", true],
    ["image/png", false],
    ["font/woff2", false],
    ["application/gzip", false],
    ["application/octet-stream", false],
    ["application/x-protobuf", false],
    ["", false],
  ])("%j: %s", (type, expected) => {
    expect(isCompressible(type)).toBe(expected);
  });
});

// A server of its own: each request's path names the handler that answers it.
type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
const handlers = new Map<string, Handler>();
let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    compressAnswer(req, res);
    void handlers.get(req.url ?? "")!(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

let paths = 0;
function serve(handler: Handler): string {
  const path = `/${++paths}`;
  handlers.set(path, handler);
  return path;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  wire: Buffer;
  body: string;
}

/** A request as a client that does not decode sends it: the bytes on the wire, and the body they decode to. */
function request(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .request(base + path, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const wire = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, wire, body: decode(res.headers, wire).toString() });
        });
        res.on("error", reject);
      })
      .on("error", reject)
      .end();
  });
}

function decode(headers: http.IncomingHttpHeaders, wire: Buffer): Buffer {
  if (headers["content-encoding"] === "gzip") return zlib.gunzipSync(wire);
  if (headers["content-encoding"] === "br") return zlib.brotliDecompressSync(wire);
  return wire;
}

const largeJson = JSON.stringify({
  spans: Array.from({ length: 2000 }, (_, i) => ({
    span_id: i.toString(16).padStart(16, "0"),
    name: `GET /items/${i}`,
  })),
});

/** Next's way of sending a body: headers flushed just before the first piece, the pieces, then the end. */
function asNextSends(body: string, type = "application/json", pieces = 3): Handler {
  return (_req, res) => {
    res.statusCode = 200;
    res.setHeader("Content-Type", type);
    res.setHeader("Vary", "rsc");
    res.flushHeaders();
    const size = Math.ceil(body.length / pieces);
    for (let i = 0; i < body.length; i += size) res.write(Buffer.from(body.slice(i, i + size)));
    res.end();
  };
}

describe("compressAnswer", () => {
  it("encodes a large JSON answer as the client prefers, and it decodes to the same JSON", async () => {
    const path = serve(asNextSends(largeJson));
    const plain = await request(path);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toBe(largeJson);
    for (const [accept, coding] of [
      ["gzip", "gzip"],
      ["br", "br"],
      ["gzip, deflate, br", "br"],
      ["gzip;q=1, br;q=0.5", "gzip"],
    ]) {
      const answer = await request(path, { "accept-encoding": accept! });
      expect(answer.headers["content-encoding"]).toBe(coding);
      expect(answer.headers["content-length"]).toBeUndefined();
      expect(answer.headers.vary).toBe("rsc, Accept-Encoding");
      expect(answer.wire.length).toBeLessThan(largeJson.length / 5);
      expect(JSON.parse(answer.body)).toEqual(JSON.parse(largeJson));
    }
  });

  it("sends small answers as they are, with their length", async () => {
    const body = JSON.stringify({ status: "ok" }).padEnd(1000);
    const path = serve(asNextSends(body));
    const answer = await request(path, { "accept-encoding": "gzip, br" });
    expect(answer.headers["content-encoding"]).toBeUndefined();
    expect(answer.headers["content-length"]).toBe(String(body.length));
    expect(answer.headers.vary).toBe("rsc, Accept-Encoding");
    expect(answer.body).toBe(body);
  });

  it("judges an answer that says its length by that length", async () => {
    const small = serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "11" });
      res.end("hello world");
    });
    const large = serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-length": String(largeJson.length), etag: '"v1"' });
      res.end(largeJson);
    });
    expect((await request(small, { "accept-encoding": "gzip" })).headers["content-encoding"]).toBeUndefined();
    const answer = await request(large, { "accept-encoding": "gzip" });
    expect(answer.headers["content-encoding"]).toBe("gzip");
    expect(answer.headers["content-length"]).toBeUndefined();
    expect(answer.headers.etag).toBe('W/"v1"');
    expect(answer.body).toBe(largeJson);
  });

  it("leaves alone answers refused any coding, HEAD, bodiless statuses, encoded and incompressible answers", async () => {
    const json = serve(asNextSends(largeJson));
    for (const accept of ["identity", "gzip;q=0, br;q=0", "deflate", "*;q=0"]) {
      const answer = await request(json, { "accept-encoding": accept });
      expect(answer.headers["content-encoding"], accept).toBeUndefined();
      expect(answer.headers.vary).toBe("rsc, Accept-Encoding");
      expect(answer.body).toBe(largeJson);
    }
    const head = await request(json, { "accept-encoding": "gzip" }, "HEAD");
    expect(head.headers["content-encoding"]).toBeUndefined();

    for (const status of [204, 304]) {
      const path = serve((_req, res) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end();
      });
      const answer = await request(path, { "accept-encoding": "gzip" });
      expect(answer.status).toBe(status);
      expect(answer.headers["content-encoding"]).toBeUndefined();
    }

    const gzipped = zlib.gzipSync(largeJson);
    const encoded = serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipped);
    });
    const once = await request(encoded, { "accept-encoding": "gzip, br" });
    expect(once.headers["content-encoding"]).toBe("gzip");
    expect(once.wire.equals(gzipped)).toBe(true);

    const png = randomBytes(50_000);
    const image = serve((_req, res) => {
      res.setHeader("content-type", "image/png");
      res.end(png);
    });
    const picture = await request(image, { "accept-encoding": "gzip, br" });
    expect(picture.headers["content-encoding"]).toBeUndefined();
    expect(picture.headers.vary).toBeUndefined();
    expect(picture.wire.equals(png)).toBe(true);

    const noTransform = serve((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.setHeader("cache-control", "no-store, no-transform");
      res.end(largeJson);
    });
    expect((await request(noTransform, { "accept-encoding": "gzip" })).headers["content-encoding"]).toBeUndefined();
  });

  it("sends each line of a streamed NDJSON answer as it is written", async () => {
    for (const coding of ["gzip", "br"]) {
      let next!: () => void;
      const path = serve(async (_req, res) => {
        res.setHeader("content-type", "application/x-ndjson");
        res.flushHeaders();
        for (let line = 0; line < 3; line++) {
          const written = new Promise<void>((resolve) => (next = resolve));
          res.write(`${JSON.stringify({ line })}\n`);
          // the next line only once the client has read this one: held back, it would never come
          await written;
        }
        res.end();
      });
      const lines: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        http
          .get(base + path, { headers: { "accept-encoding": coding } }, (res) => {
            expect(res.headers["content-encoding"]).toBe(coding);
            const decoder = coding === "gzip" ? zlib.createGunzip() : zlib.createBrotliDecompress();
            let text = "";
            decoder.on("data", (chunk: Buffer) => {
              text += chunk.toString();
              let newline;
              while ((newline = text.indexOf("\n")) >= 0) {
                lines.push(JSON.parse(text.slice(0, newline)));
                text = text.slice(newline + 1);
                next();
              }
            });
            decoder.on("end", resolve);
            decoder.on("error", reject);
            res.pipe(decoder);
          })
          .on("error", reject);
      });
      expect(lines).toEqual([{ line: 0 }, { line: 1 }, { line: 2 }]);
    }
  });

  it("slows the writer of a large answer down to the pace of its reader", async () => {
    // random text: JSON of real telemetry shrinks, but never to nothing
    const piece = Buffer.from(randomBytes(48 * 1024).toString("base64"));
    const total = 64 * 1024 * 1024;
    let accepted = 0;
    const path = serve((_req, res) => {
      res.setHeader("content-type", "application/json");
      const pump = () => {
        while (accepted < total) {
          accepted += piece.length;
          if (!res.write(piece)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    let received = 0;
    const acceptedWhilePaused = await new Promise<number>((resolve, reject) => {
      http
        .get(base + path, { headers: { "accept-encoding": "gzip" } }, (res) => {
          res.pause();
          setTimeout(() => {
            const seen = accepted;
            const decoder = zlib.createGunzip();
            decoder.on("data", (chunk: Buffer) => (received += chunk.length));
            decoder.on("end", () => resolve(seen));
            decoder.on("error", reject);
            res.pipe(decoder);
          }, 1000);
        })
        .on("error", reject);
    });
    expect(acceptedWhilePaused).toBeLessThan(total / 4);
    expect(received).toBeGreaterThanOrEqual(total);
    // 64 MiB gzipped and gunzipped: seconds of CPU on a busy machine, which says nothing about the pace
  }, 30_000);
});
