// npm start: build when the build is missing or stale, then serve on PORT (default 3000).
// The server applies migrations and creates the default project as it starts.
import { spawn } from "node:child_process";
import { readOwner } from "@/db/lock";
import { config } from "@/lib/config";
import { ensureBuild, nextBin } from "./next-bin";

const { port, databaseUrl, dataDir } = config();
const owner = databaseUrl ? undefined : readOwner(dataDir);
if (owner) {
  console.error(
    `tracedeck: ${dataDir} is in use by process ${owner.pid}${owner.url ? ` (a server at ${owner.url})` : ""}; ` +
      "stop it, or set TRACEDECK_DATA_DIR to another directory",
  );
  process.exit(1);
}
await ensureBuild();

const server = spawn(process.execPath, [nextBin, "start", "-p", String(port)], {
  stdio: "inherit",
  env: { ...process.env, PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => server.kill(signal));
}
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
