// npm start: build when the build is missing or stale, then serve on PORT (default 3000) with Tracedeck's server
// (scripts/serve.ts: Next.js, and the client's address as the connection tells it). The server applies migrations
// and creates the default project as it starts.
import { spawn } from "node:child_process";
import { readOwner } from "@/db/lock";
import { config } from "@/lib/config";
import { ensureBuild } from "./next-bin";
import { serveArgs } from "./serve-command";

const settings = (() => {
  try {
    return config();
  } catch (error) {
    // a wrong setting is said in one line, as the server itself says it
    console.error(`tracedeck: ${(error as Error).message}`);
    process.exit(1);
  }
})();
const { port, databaseUrl, dataDir, maxHeapMb } = settings;
const owner = databaseUrl ? undefined : readOwner(dataDir);
if (owner) {
  console.error(
    `tracedeck: ${dataDir} is in use by process ${owner.pid}${owner.url ? ` (a server at ${owner.url})` : ""}; ` +
      "stop it, or set TRACEDECK_DATA_DIR to another directory",
  );
  process.exit(1);
}
await ensureBuild();

const server = spawn(process.execPath, serveArgs(["-p", String(port)], maxHeapMb), {
  stdio: "inherit",
  env: { ...process.env, PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => server.kill(signal));
}
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
