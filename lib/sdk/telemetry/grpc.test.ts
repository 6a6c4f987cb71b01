import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TelemetryBuilder } from "./builder";

// Where @grpc/grpc-js is not installed (an optional peer): the default protocol falls back to HTTP, once and said
// once; a client told withGrpc() fails its exports saying what to install. (Over gRPC for real:
// e2e/http/sdk-telemetry.test.ts, against the server's receiver.)

vi.mock("@grpc/grpc-js", () => {
  throw new Error("Cannot find package '@grpc/grpc-js'");
});

const KEY = ["tfk_0123456789abcdef", "tfs_secret-value_1"] as const;

afterEach(() => {
  vi.restoreAllMocks();
});

async function nativeSink(): Promise<{ url: string; paths: string[]; close: () => void }> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? "");
    req.resume();
    req.on("end", () =>
      res.writeHead(200, { "content-type": "application/json" }).end('{"accepted":1,"rejected":0,"errors":[]}'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    close: () => server.close(),
  };
}

describe("without @grpc/grpc-js", () => {
  it("the default protocol sends over HTTP, and says so once", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const sink = await nativeSink();
    try {
      const client = new TelemetryBuilder()
        .withApiKey(...KEY)
        .withService("no-grpc")
        .withEndpoint(sink.url)
        .withTracesOnly()
        .build();
      // initialize()'s check of the server (an empty batch) aside, the spans' sends
      await client.initialize();
      sink.paths.length = 0;
      client.endSpan(client.startSpan("first"));
      await client.flush();
      client.endSpan(client.startSpan("second"));
      await client.flush();
      await client.shutdown(1);
      expect(sink.paths).toEqual(["/api/v1/spans", "/api/v1/spans"]);
      expect(client.getStatus()).toMatchObject({ spansSent: 2, failed: 0, lastError: null });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/@grpc\/grpc-js is not installed.*over HTTP/);
    } finally {
      sink.close();
    }
  });

  it("withGrpc() fails its exports, naming the package to install", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const client = new TelemetryBuilder()
      .withApiKey(...KEY)
      .withService("grpc-wanted")
      .withGrpc("127.0.0.1:9")
      .withTracesOnly()
      .build();
    void client.initialize();
    client.endSpan(client.startSpan("lost"));
    await client.flush();
    await client.shutdown(1);
    expect(client.getStatus()).toMatchObject({ spansSent: 0, failed: 1 });
    expect(client.getStatus().lastError).toMatch(/withGrpc\(\) needs @grpc\/grpc-js: npm install @grpc\/grpc-js/);
    expect(warn).not.toHaveBeenCalled();
  });
});
