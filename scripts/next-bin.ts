import { spawn, type SpawnOptions } from "node:child_process";
import { createRequire } from "node:module";
import { buildIsCurrent, markBuildCurrent } from "./build-state";

const require = createRequire(import.meta.url);
export const nextBin = require.resolve("next/dist/bin/next");

export function runNext(args: string[], options: SpawnOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, ...args], { stdio: "inherit", ...options });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Builds the app unless the build on disk was made from the current sources. */
export async function ensureBuild(): Promise<void> {
  if (buildIsCurrent()) return;
  console.log(
    "tracedeck: building the dashboard (no build yet, or its sources changed); a first build takes a few minutes, " +
      "later starts reuse it…",
  );
  const started = Date.now();
  const code = await runNext(["build"], { env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (code !== 0) throw new Error(`next build failed with exit code ${code}`);
  markBuildCurrent();
  console.log(`tracedeck: built in ${Math.round((Date.now() - started) / 1000)} s; starting the server`);
}
