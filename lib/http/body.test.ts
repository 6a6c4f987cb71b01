import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/errors";
import { readBody, readJson, storable } from "./body";
import { errorStatus } from "./errors";

const request = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request("http://localhost/x", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
    duplex: "half",
  } as RequestInit);

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe("readJson", () => {
  it("parses JSON, plain or gzip-compressed", async () => {
    expect(await readJson(request('{"a":1}'), 1000)).toEqual({ a: 1 });
    expect(await readJson(request(gzipSync('{"a":2}'), { "content-encoding": "gzip" }), 1000)).toEqual({ a: 2 });
  });

  it("answers 400 for a body that is not JSON, and for a corrupt gzip body", async () => {
    expect(errorStatus(await failure(readJson(request("{nope"), 1000)))).toBe(400);
    expect(errorStatus(await failure(readJson(request("not gzip at all", { "content-encoding": "gzip" }), 1000)))).toBe(
      400,
    );
  });

  it("answers 415 for other content types and encodings", async () => {
    expect(errorStatus(await failure(readJson(request("{}", { "content-type": "text/plain" }), 1000)))).toBe(415);
    expect(errorStatus(await failure(readJson(request("{}", { "content-encoding": "br" }), 1000)))).toBe(415);
  });

  it("answers 413 past the cap, counting bytes after decompression", async () => {
    const big = JSON.stringify({ pad: "x".repeat(5000) });
    expect(errorStatus(await failure(readJson(request(big), 1000)))).toBe(413);
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 32)); // 50 MiB of spaces, ~50 kB compressed
    expect(bomb.length).toBeLessThan(100_000);
    const error = await failure(
      readBody(request(bomb, { "content-encoding": "gzip" }), {
        maxBytes: 1024 * 1024,
        contentTypes: ["application/json"],
      }),
    );
    expect(errorStatus(error)).toBe(413);
  });

  it("replaces characters Postgres cannot store instead of failing", async () => {
    const value = await readJson(request(String.raw`{"a\u0000":"x\u0000y","b":"\ud800"}`), 1000);
    expect(value).toEqual({ "a\uFFFD": "x\uFFFDy", b: "\uFFFD" });
  });

  it("keeps what Postgres stores as it is: plain text, and surrogates in their pairs", () => {
    const decoded = {
      name: "plain",
      tags: ["caf\u00e9", "\u{1F600} ok", "lone \ud800 and \udfff"],
      deep: [{ k: "a\0b" }],
    };
    expect(storable(decoded)).toEqual({
      name: "plain",
      tags: ["caf\u00e9", "\u{1F600} ok", "lone \uFFFD and \uFFFD"],
      deep: [{ k: "a\uFFFDb" }],
    });
  });
});
