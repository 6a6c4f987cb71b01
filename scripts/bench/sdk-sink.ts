// The SDK benchmark's loopback server, in a process of its own so its work is not the measured process's:
// acknowledges OTLP export requests at once (an empty protobuf answer: all accepted) and native span batches
// with the count of their spans (gunzipped and parsed, as the client counts what the server accepted).
// Prints its port.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    if (req.url === "/v1/traces") {
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      return;
    }
    const raw = Buffer.concat(chunks);
    const body = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
    const accepted = (JSON.parse(body.toString("utf8")) as { spans?: unknown[] }).spans?.length ?? 0;
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ accepted, rejected: 0, errors: [] }));
  });
});
server.listen(0, "127.0.0.1", () => console.log((server.address() as AddressInfo).port));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
