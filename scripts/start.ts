// npm start: build when the build is missing or stale, then serve on PORT (default 3000).
// The server applies migrations and creates the default project as it starts.
import { spawn } from "node:child_process";
import { config } from "@/lib/config";
import { ensureBuild, nextBin } from "./next-bin";

const { port } = config();
await ensureBuild();

const server = spawn(process.execPath, [nextBin, "start", "-p", String(port)], {
  stdio: "inherit",
  env: { ...process.env, PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => server.kill(signal));
}
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
