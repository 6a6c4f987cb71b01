import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The layer rules of .dependency-cruiser.cjs, run on a small tree of probes: each import that crosses a layer the
// wrong way must come out as a violation, and the ones the layer map allows must not.
const fixture: Record<string, string> = {
  // the repository's alias; the baseUrl makes dependency-cruiser resolve it here rather than in the working
  // directory (the repository root, where tsconfig.json lives and needs none)
  "tsconfig.json": JSON.stringify({
    compilerOptions: { module: "esnext", moduleResolution: "bundler", baseUrl: ".", paths: { "@/*": ["./*"] } },
  }),
  "db/x.ts": "export const table = 1;\n",
  "lib/config.ts": "export const config = {};\n",
  "lib/query/x.ts":
    'import { table } from "@/db/x";\nexport type Row = { id: number };\nexport const rows = [table];\n',
  "lib/shared/x.ts": "export const encode = () => 1;\n",
  "lib/sdk/x.ts": "export const client = 1;\n",
  "lib/sdk/index.ts": 'export { client } from "./x";\n',
  // (the route table importing anything is a probe too)
  "lib/api/routes.ts": 'import { z } from "zod";\nexport const routes = { x: z.literal("GET /x") };\n',
  "lib/api/endpoints.ts": 'import { rows } from "@/lib/query/x";\nexport const endpoints = { x: rows };\n',

  // routes and components never reach the database at run time
  "components/probe.ts": 'import { table } from "@/db/x";\nexport const probe = table;\n',
  "app/probe.ts": 'import { table } from "../db/x";\nexport const probe = table;\n',
  "app/probe-orm.ts": 'import { sql } from "drizzle-orm";\nexport const probe = sql;\n',
  // the SDK and the database layer import nothing above them
  "lib/sdk/probe.ts": 'import { rows } from "@/lib/query/x";\nexport const probe = rows;\n',
  "lib/sdk/probe-builtin.ts": 'import { exec } from "node:child_process";\nexport const probe = exec;\n',
  "db/probe.ts": 'import { rows } from "@/lib/query/x";\nexport const probe = rows;\n',
  // the server and the SDK share code through lib/shared only, which imports neither; outside both, only the
  // SDK's entry points
  "lib/query/probe-sdk.ts": 'import { client } from "@/lib/sdk/x";\nexport const probe = client;\n',
  "lib/shared/probe.ts": 'import { config } from "@/lib/config";\nexport const probe = config;\n',
  "lib/shared/probe-sdk.ts": 'import { client } from "../sdk/x";\nexport const probe = client;\n',
  "e2e/probe.ts": 'import { client } from "@/lib/sdk/x";\nexport const probe = client;\n',
  // the browser calls endpoints by name: their declarations (schemas, verbs) stay on the server, and the route
  // table the browser does import stays plain data
  "components/probe-endpoints.ts":
    'import { endpoints } from "@/lib/api/endpoints";\nexport const probe = endpoints;\n',
  // no cycles, even between modules of one layer
  "lib/query/a.ts": 'import { b } from "./b";\nexport const a = () => b;\n',
  "lib/query/b.ts": 'import { a } from "./a";\nexport const b = () => a;\n',

  // allowed: a component names a service's type, a route calls a service, db/ reads the config, the SDK uses
  // its built-ins and its tests any built-in, both sides use lib/shared, an end-to-end test the SDK's entry point
  "components/ok.ts": 'import type { Row } from "@/lib/query/x";\nexport const ok: Row[] = [];\n',
  "components/ok-routes.ts": 'import { routes } from "@/lib/api/routes";\nexport const ok = routes;\n',
  "app/ok.ts": 'import { rows } from "@/lib/query/x";\nexport const ok = rows;\n',
  "db/ok.ts": 'import { config } from "../lib/config";\nexport const ok = config;\n',
  "lib/sdk/ok.ts": 'import { gzip } from "node:zlib";\nexport const ok = gzip;\n',
  "lib/sdk/ok.test.ts": 'import { exec } from "node:child_process";\nexport const ok = exec;\n',
  "lib/sdk/ok-shared.ts": 'import { encode } from "../shared/x";\nexport const ok = encode;\n',
  "lib/query/ok-shared.ts": 'import { encode } from "@/lib/shared/x";\nexport const ok = encode;\n',
  "e2e/ok.ts": 'import { client } from "@/lib/sdk";\nexport const ok = client;\n',
};

let root = "";
let result: ICruiseResult;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "layers-"));
  for (const [file, text] of Object.entries(fixture)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  // the probes import npm packages, which resolve from the repository's install
  symlinkSync(path.resolve("node_modules"), path.join(root, "node_modules"));

  const options = await extractDepcruiseOptions(path.resolve(".dependency-cruiser.cjs"));
  const tsConfig = path.join(root, "tsconfig.json");
  const output = await cruise(
    ["app", "components", "lib", "db", "e2e"],
    { ...options, baseDir: root, tsConfig: { fileName: tsConfig } },
    {},
    { tsConfig: extractTSConfig(tsConfig) },
  );
  result = output.output as ICruiseResult;
}, 60_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

// a package by its name, wherever its install resolves
const named = (to: string) => to.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, "$1");

describe(".dependency-cruiser.cjs", () => {
  it("reports each import that crosses a layer the wrong way, and only those", () => {
    const violations = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${named(v.to)}`).sort();
    expect(violations).toEqual([
      "no-circular: lib/query/a.ts → lib/query/b.ts",
      "not-in-allowed: app/probe-orm.ts → drizzle-orm",
      "not-in-allowed: app/probe.ts → db/x.ts",
      "not-in-allowed: components/probe-endpoints.ts → lib/api/endpoints.ts",
      "not-in-allowed: components/probe.ts → db/x.ts",
      "not-in-allowed: db/probe.ts → lib/query/x.ts",
      "not-in-allowed: e2e/probe.ts → lib/sdk/x.ts",
      "not-in-allowed: lib/query/probe-sdk.ts → lib/sdk/x.ts",
      "not-in-allowed: lib/sdk/probe-builtin.ts → child_process",
      "not-in-allowed: lib/sdk/probe.ts → lib/query/x.ts",
      "not-in-allowed: lib/shared/probe-sdk.ts → lib/sdk/x.ts",
      "not-in-allowed: lib/shared/probe.ts → lib/config.ts",
      "route-table-is-a-leaf: lib/api/routes.ts → zod",
    ]);
    expect(result.summary.error).toBe(violations.length);
  });

  it("resolves the @/ alias and relative paths to the same modules", () => {
    const imports = (from: string) =>
      result.modules.find((m) => m.source === from)?.dependencies.map((d) => d.resolved);
    expect(imports("components/probe.ts")).toEqual(["db/x.ts"]);
    expect(imports("app/probe.ts")).toEqual(["db/x.ts"]);
  });
});
