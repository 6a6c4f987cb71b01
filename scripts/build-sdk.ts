// npm run build:sdk — the SDK as one ES module (dist/sdk/index.js) with its type declarations
// (dist/types), which package.json exports as "tracedeck/sdk".
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { build } from "esbuild";

const require = createRequire(import.meta.url);

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: ["lib/sdk/index.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: "dist/sdk/index.js",
  sourcemap: true,
  // dependencies stay the application's: the optional ones load only when used
  packages: "external",
  logLevel: "warning",
});
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "lib/sdk/tsconfig.json"], {
  stdio: "inherit",
});
console.log("built dist/sdk/index.js and dist/types");
