import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

// "Is the production build current?" — a hash of everything the build reads, kept beside it.

const SOURCES = ["app", "components", "lib", "db", "public"];
const FILES = [
  "package.json",
  "package-lock.json",
  "next.config.ts",
  "tsconfig.json",
  "postcss.config.mjs",
  "instrumentation.ts",
  "proxy.ts",
];
const STAMP = path.join(".next", "tracedeck-source.sha256");

function* walk(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile() && !/\.(test|spec)\.tsx?$/.test(entry.name)) yield full;
  }
}

export function sourceFingerprint(root = process.cwd()): string {
  const hash = createHash("sha256");
  const files = [...SOURCES.flatMap((d) => [...walk(path.join(root, d))]), ...FILES.map((f) => path.join(root, f))];
  for (const file of files) {
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    hash.update(path.relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

export function buildIsCurrent(root = process.cwd()): boolean {
  const stamp = path.join(root, STAMP);
  return (
    existsSync(path.join(root, ".next", "BUILD_ID")) &&
    existsSync(stamp) &&
    readFileSync(stamp, "utf8").trim() === sourceFingerprint(root)
  );
}

export function markBuildCurrent(root = process.cwd()): void {
  writeFileSync(path.join(root, STAMP), sourceFingerprint(root) + "\n");
}
