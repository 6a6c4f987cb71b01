import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createKey, startServer, type RunningServer } from "./server";

// An application outside this repository imports "tracedeck/sdk" through package.json exports
// (the built bundle, plain Node, no TypeScript loader) and its span reaches the server.

const run = promisify(execFile);
let server: RunningServer;

beforeAll(async () => {
  await run("npm", ["run", "-s", "build:sdk"], { cwd: path.resolve(import.meta.dirname, "../..") });
  server = await startServer({});
}, 180_000);
afterAll(async () => {
  await server?.stop();
});

it("works from another package's plain ES module", async () => {
  const key = await createKey(server.env, "ingest,read");
  const [keyId, secret] = key.split(":") as [string, string];
  const app = mkdtempSync(path.join(tmpdir(), "tracedeck-app-"));
  mkdirSync(path.join(app, "node_modules"));
  symlinkSync(path.resolve(import.meta.dirname, "../.."), path.join(app, "node_modules", "tracedeck"));
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(
    path.join(app, "app.js"),
    `import { TelemetryBuilder } from "tracedeck/sdk";
const client = new TelemetryBuilder().withApiKey(${JSON.stringify(keyId)}, ${JSON.stringify(secret)}).withEndpoint(${JSON.stringify(server.url)}).withService("outside-app").build();
client.initialize();
let traceId;
await client.span("hello from outside", (id) => { traceId = client.spanContext(id).traceId; });
await client.shutdown(10000);
console.log(JSON.stringify({ traceId, status: client.getStatus() }));`,
  );
  const { stdout } = await run(process.execPath, ["app.js"], { cwd: app });
  const { traceId, status } = JSON.parse(stdout) as { traceId: string; status: { spansSent: number; failed: number } };
  expect(status).toMatchObject({ spansSent: 1, failed: 0 });
  const trace = (await (
    await fetch(`${server.url}/api/v1/traces/${traceId}`, { headers: { authorization: `Bearer ${key}` } })
  ).json()) as { service_name: string; spans: { name: string }[] };
  expect(trace).toMatchObject({ service_name: "outside-app", spans: [{ name: "hello from outside" }] });
});
