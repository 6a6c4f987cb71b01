import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, startServer, type RunningServer } from "./server";

// The SDK as an application gets it: `npm run build:sdk` packs @tracedeck/sdk, the tarball is installed into a
// folder holding nothing else, and a small TypeScript app is compiled against it under each moduleResolution mode
// (plain tsc, as `tsc --init` sets it up) and run with plain Node, as an ES module and with require(); each
// app's span reaches the server.

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, "../..");
const tsc = path.join(repo, "node_modules", "typescript", "bin", "tsc");

let server: RunningServer;
let app: string;
let key: string;

beforeAll(async () => {
  await run("npm", ["run", "-s", "build:sdk"], { cwd: repo });
  const tarball = readdirSync(path.join(repo, "dist")).find((f) => /^tracedeck-sdk-.*\.tgz$/.test(f));
  if (!tarball) throw new Error("npm run build:sdk made no tarball");
  app = mkdtempSync(path.join(tmpdir(), "tracedeck-app-"));
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(repo, "dist", tarball)], {
    cwd: app,
  });
  server = await startServer({});
  key = await createKey(server.env, "ingest,read");
}, 300_000);
afterAll(async () => {
  await server?.stop();
  if (app) rmSync(app, { recursive: true, force: true });
});

/** What each app does: typed use of the SDK (checks that fail if its types are missing or `any`), one span sent. */
const source = (service: string) => {
  const [keyId, secret] = key.split(":") as [string, string];
  return `import { SpanKind, TelemetryBuilder, TelemetryClient } from "@tracedeck/sdk";

type IsAny<T> = 0 extends 1 & T ? true : false;
const builderTyped: IsAny<TelemetryBuilder> = false;
const kindTyped: IsAny<typeof SpanKind.SERVER> = false;
// @ts-expect-error an endpoint is a URL string
new TelemetryBuilder().withEndpoint(42);

async function main(): Promise<void> {
  const client: TelemetryClient = new TelemetryBuilder()
    .withApiKey(${JSON.stringify(keyId)}, ${JSON.stringify(secret)})
    .withEndpoint(${JSON.stringify(server.url)})
    .withService(${JSON.stringify(service)})
    .build();
  await client.initialize();
  let traceId = "";
  await client.span("hello from outside", (id) => {
    traceId = client.spanContext(id)?.traceId ?? "";
  }, { kind: SpanKind.SERVER });
  await client.shutdown(10);
  const { spansSent, failed } = client.getStatus();
  console.log(JSON.stringify({ traceId, spansSent, failed, typed: [builderTyped, kindTyped] }));
}
void main();
`;
};

/** module, moduleResolution and the package type of the app's folder */
const MODES = [
  { name: "nodenext-esm", module: "nodenext", resolution: "nodenext", type: "module" },
  { name: "nodenext-cjs", module: "nodenext", resolution: "nodenext", type: "commonjs" },
  { name: "node16", module: "node16", resolution: "node16", type: "module" },
  { name: "bundler", module: "esnext", resolution: "bundler", type: "module" },
  { name: "node10", module: "commonjs", resolution: "node10", type: "commonjs" },
] as const;

async function readTrace(traceId: string): Promise<{ service_name: string; spans: { name: string }[] }> {
  const answer = await fetch(`${server.url}/api/v1/traces/${traceId}`, { headers: { authorization: `Bearer ${key}` } });
  return (await answer.json()) as { service_name: string; spans: { name: string }[] };
}

describe("@tracedeck/sdk installed from its tarball", () => {
  it("brings only its own runtime dependencies", () => {
    const installed = readdirSync(path.join(app, "node_modules"));
    expect(installed).toContain("@tracedeck");
    expect(installed).toContain("protobufjs");
    for (const server of ["next", "react", "@electric-sql", "drizzle-orm", "postgres", "zod"])
      expect(installed).not.toContain(server);
    expect(readdirSync(path.join(app, "node_modules", "@tracedeck", "sdk")).sort()).toEqual([
      "CHANGELOG.md",
      "README.md",
      "dist",
      "package.json",
    ]);
  });

  it.each(MODES)("compiles under moduleResolution $resolution ($type) and sends a span", async (mode) => {
    const dir = path.join(app, mode.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: mode.type }));
    writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2022",
          module: mode.module,
          moduleResolution: mode.resolution,
          strict: true,
          esModuleInterop: true,
          skipLibCheck: true,
          outDir: "out",
        },
        files: ["app.ts"],
      }),
    );
    const service = `outside-${mode.name}`;
    writeFileSync(path.join(dir, "app.ts"), source(service));
    await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: dir }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc under ${mode.resolution}: ${error.stdout ?? String(error)}`);
    });
    const { stdout, stderr } = await run(process.execPath, [path.join("out", "app.js")], { cwd: dir });
    // @grpc/grpc-js is not installed here: the default protocol, gRPC, falls back to HTTP and says so once
    expect(stderr.match(/@grpc\/grpc-js is not installed/g)).toHaveLength(1);
    const result = JSON.parse(stdout) as { traceId: string; spansSent: number; failed: number };
    expect(result).toMatchObject({ spansSent: 1, failed: 0 });
    expect(await readTrace(result.traceId)).toMatchObject({
      service_name: service,
      spans: [{ name: "hello from outside" }],
    });
  });

  it("loads with require() from plain CommonJS", async () => {
    const dir = path.join(app, "plain-cjs");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, "app.cjs"),
      `const sdk = require("@tracedeck/sdk");
console.log(JSON.stringify({ builder: typeof sdk.TelemetryBuilder, client: typeof sdk.TracedeckClient, version: sdk.SDK_VERSION }));`,
    );
    const { stdout } = await run(process.execPath, ["app.cjs"], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ builder: "function", client: "function", version: "0.1.0" });
  });
});
