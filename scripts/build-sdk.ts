// npm run build:sdk — the SDK (lib/sdk) as its own package, @tracedeck/sdk: an ES module and a CommonJS module, each
// with one declaration file (no relative imports left in it, so it reads the same under every moduleResolution),
// packed as dist/tracedeck-sdk-<version>.tgz. The package's manifest, README and changelog are lib/sdk's.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { build, type BuildOptions } from "esbuild";
import { rollup } from "rollup";
import { dts } from "rollup-plugin-dts";

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, "..");
const sdk = path.join(root, "lib", "sdk");
const out = path.join(root, "dist");
const stage = path.join(out, "sdk-package");
const types = path.join(out, "sdk-types");

rmSync(out, { recursive: true, force: true });
mkdirSync(path.join(stage, "dist"), { recursive: true });

const common: BuildOptions = {
  entryPoints: [path.join(sdk, "index.ts")],
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: true,
  // dependencies stay the application's: the optional ones load only when used
  packages: "external",
  logLevel: "warning",
};
await build({ ...common, format: "esm", outfile: path.join(stage, "dist", "index.js") });
await build({ ...common, format: "cjs", outfile: path.join(stage, "dist", "index.cjs") });

// declarations: tsc's, one file per module, then bundled into one
execFileSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-p", path.join(sdk, "tsconfig.json"), "--outDir", types],
  { stdio: "inherit" },
);
const bundle = await rollup({
  input: path.join(types, "sdk", "index.d.ts"),
  plugins: [dts()],
  // the optional peers' types stay imports of those packages
  external: (id) => !id.startsWith(".") && !path.isAbsolute(id),
});
await bundle.write({ file: path.join(stage, "dist", "index.d.ts"), format: "es" });
await bundle.close();
// the same declarations for require(): a .d.cts describes a CommonJS module
copyFileSync(path.join(stage, "dist", "index.d.ts"), path.join(stage, "dist", "index.d.cts"));
rmSync(types, { recursive: true, force: true });

for (const file of ["package.json", "README.md", "CHANGELOG.md"])
  copyFileSync(path.join(sdk, file), path.join(stage, file));
const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", out], { cwd: stage, encoding: "utf8" })
  .trim()
  .split("\n")
  .at(-1)!;
const { version } = JSON.parse(readFileSync(path.join(sdk, "package.json"), "utf8")) as { version: string };
console.log(`built @tracedeck/sdk ${version}: ${path.relative(root, path.join(out, tarball))}`);
