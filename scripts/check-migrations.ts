// npm run db:check — fails when db/schema and db/migrations disagree, that is when
// `npm run db:generate` would write a migration. drizzle-kit runs against a copy of the
// migrations, so the check never touches the committed ones.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const migrations = path.join(root, "db", "migrations");
const scratch = mkdtempSync(path.join(tmpdir(), "tracedeck-migrations-"));
const copy = path.join(scratch, "migrations");
const sqlFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith(".sql"));

function check(): number {
  cpSync(migrations, copy, { recursive: true });
  const configFile = path.join(scratch, "drizzle.config.ts");
  // the project's own config, writing to the copy; drizzle-kit reads `out` relative to the working directory
  writeFileSync(
    configFile,
    `import config from ${JSON.stringify(path.join(root, "drizzle.config.ts"))};\n` +
      `export default { ...config, out: ${JSON.stringify(path.relative(root, copy))} };\n`,
  );
  const run = spawnSync(path.join(root, "node_modules", ".bin", "drizzle-kit"), ["generate", "--config", configFile], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}`;

  const committed = new Set(sqlFiles(migrations));
  const written = sqlFiles(copy).filter((name) => !committed.has(name));
  if (written.length > 0) {
    console.error("db/schema and db/migrations disagree: `npm run db:generate` would write this migration:\n");
    for (const name of written) console.error(`-- ${name}\n${readFileSync(path.join(copy, name), "utf8")}`);
    return 1;
  }
  // drizzle-kit exits with 0 even when it fails, so only its own words count as agreement
  if (run.status === 0 && output.includes("No schema changes")) {
    console.log("db/schema and db/migrations agree");
    return 0;
  }
  if (output.includes("Interactive prompts require a TTY")) {
    console.error(
      "db/schema and db/migrations disagree: drizzle-kit asks whether a table or column was renamed;\n" +
        "run `npm run db:generate` in a terminal to answer it and write the migration.",
    );
    return 1;
  }
  console.error(`drizzle-kit could not compare db/schema with db/migrations:\n${run.error?.message ?? output}`);
  return 1;
}

try {
  process.exitCode = check();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
