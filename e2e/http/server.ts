import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "@/db/testing/ports";
import { createScratchDatabase } from "@/db/testing/postgres";
import { serveArgs } from "@/scripts/serve-command";

// the tests that start a server of their own beside this one take their port the same way
export { freePort };

const require = createRequire(import.meta.url);

export interface RunningServer {
  url: string;
  env: NodeJS.ProcessEnv;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts the production server (scripts/serve.ts, as `npm start` runs it) on a free port with its own storage: an embedded data directory, or DATABASE_URL; `env` adds
 * settings. Tests have every answer checked against its schema; benchmarks (`checkAnswers: false`) measure the
 * server as production runs it.
 */
export async function startServer(storage: {
  databaseUrl?: string;
  dataDir?: string;
  env?: Record<string, string>;
  checkAnswers?: boolean;
}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = storage.dataDir ?? mkdtempSync(path.join(tmpdir(), "tracedeck-http-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    TRACEDECK_DATA_DIR: dataDir,
    DATABASE_URL: storage.databaseUrl ?? "",
    NEXT_TELEMETRY_DISABLED: "1",
    TRACEDECK_CHECK_ANSWERS: String(storage.checkAnswers ?? true),
    // the publisher tests send to servers of their own on loopback
    TRACEDECK_ALLOW_PRIVATE_TARGETS: "true",
    // no collector ports unless a test asks for them on ports of its own: servers run side by side
    TRACEDECK_OTLP_GRPC_PORT: "0",
    TRACEDECK_OTLP_HTTP_PORT: "0",
    ...storage.env,
  };
  // TRACEDECK_SERVER_NODE_ARGS: flags for the server's Node, to look inside it (`--cpu-prof`, `--trace-gc`)
  const nodeArgs = process.env.TRACEDECK_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      ...serveArgs(["-p", String(port), "-H", "127.0.0.1"], Number(env.TRACEDECK_MAX_HEAP_MB) || undefined),
    ],
    {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output}`);
    // ready once the database is open (or known to be unreachable)
    if (/database (ready|unavailable)/.test(output)) {
      const ok = await fetch(`${url}/api/v1/health`).then(
        () => true,
        () => false,
      );
      if (ok) break;
    }
    if (Date.now() > deadline) throw new Error(`the server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    env,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      if (!storage.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The two stores every HTTP test of a store-dependent behaviour runs against. */
export const STORES = ["pglite", "postgres"] as const;
export type Store = (typeof STORES)[number];

/**
 * startServer on a store of its own: a fresh embedded data directory, or a scratch Postgres database (beside the
 * test run's) dropped when the server stops.
 */
export async function startServerOn(
  store: Store,
  options: { env?: Record<string, string>; checkAnswers?: boolean } = {},
): Promise<RunningServer> {
  if (store === "pglite") return startServer(options);
  const scratch = await createScratchDatabase("tracedeck_http_store");
  const server = await startServer({ ...options, databaseUrl: scratch.url }).catch(async (error: unknown) => {
    await scratch.drop();
    throw error;
  });
  return {
    ...server,
    stop: async () => {
      await server.stop();
      await scratch.drop();
    },
  };
}

/** Runs the keys CLI against the same storage as the server. */
export function keysCli(
  env: NodeJS.ProcessEnv,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // as `npm run keys` runs it: the react-server condition lets its server-only modules load
    const cli = [require.resolve("tsx/cli"), "--conditions=react-server", "scripts/keys.ts", ...args];
    const child = spawn(process.execPath, cli, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Creates a key with the CLI and returns it as `key_id:key_secret`. */
export async function createKey(env: NodeJS.ProcessEnv, scopes: string): Promise<string> {
  const { code, stdout, stderr } = await keysCli(env, ["create", "--project", "default", "--scopes", scopes]);
  if (code !== 0) throw new Error(`keys create failed: ${stderr}${stdout}`);
  const keyId = /key id:\s+(tfk_\S+)/.exec(stdout)?.[1];
  const secret = /key secret:\s+(tfs_\S+)/.exec(stdout)?.[1];
  if (!keyId || !secret) throw new Error(`no key in the CLI output:\n${stdout}`);
  return `${keyId}:${secret}`;
}

const TEST_ADMIN = { email: "admin@tracedeck.test", password: "test admin password" };

/** A dashboard session cookie: the first-run admin is created when the server has no account. */
export async function dashboardCookie(url: string): Promise<string> {
  const me = (await (await fetch(`${url}/api/v1/auth/me`)).json()) as { setup_required: boolean };
  const response = await fetch(`${url}/api/v1/auth/${me.setup_required ? "setup" : "login"}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(TEST_ADMIN),
  });
  const cookie = /tracedeck_session=[^;]+/.exec(response.headers.get("set-cookie") ?? "")?.[0];
  if (!response.ok || !cookie) throw new Error(`signing in failed: ${response.status} ${await response.text()}`);
  return cookie;
}

/** How many rows of each signal the default project holds, as the overview reads them (signed in as the test admin). */
export async function storedCounts(url: string): Promise<Record<string, number>> {
  const response = await fetch(`${url}/api/v1/stats`, { headers: { cookie: await dashboardCookie(url) } });
  if (response.status !== 200) throw new Error(`GET /api/v1/stats answered ${response.status}`);
  return (await response.json()) as Record<string, number>;
}
