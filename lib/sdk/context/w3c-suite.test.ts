import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startW3CTestService, type W3CTestService } from "./testing/w3c-service";

// The official W3C Trace Context test suite run against this SDK's propagator: test.py starts its harness on
// loopback, sends requests with crafted headers to our service (testing/w3c-service.ts), and checks the headers
// our service sends back on its callbacks. The suite is not part of this repository: W3C_TRACE_CONTEXT_TEST_DIR
// names the test/ folder of a checkout of https://github.com/w3c/trace-context, and the suite needs Python 3
// with aiohttp (Debian: apt-get install python3-aiohttp). Without them this file is skipped; the rules it checks
// are also tested on their own (trace-state.test.ts, traceparent.test.ts, propagator.test.ts).

const SUITE_DIR = process.env.W3C_TRACE_CONTEXT_TEST_DIR ?? "";
const SUITE = path.join(SUITE_DIR, "test.py");
/** The whole suite takes a few seconds; past this it has hung and is killed. */
const SUITE_TIMEOUT_MS = 60_000;
/** Every test method of the suite: at the strictest settings each one runs, none is skipped. */
const SUITE_TESTS =
  SUITE_DIR && existsSync(SUITE) ? (readFileSync(SUITE, "utf8").match(/^\tdef test_/gm)?.length ?? 0) : 0;

/**
 * A Python 3 that can import aiohttp, the suite harness's HTTP library; undefined when there is none.
 * Debian's python3-aiohttp installs for /usr/bin/python3, which another python3 on PATH (pyenv, a venv) may hide.
 */
function pythonWithAiohttp(): string | undefined {
  return ["python3", "/usr/bin/python3"].find(
    (python) => spawnSync(python, ["-c", "import aiohttp"], { stdio: "ignore" }).status === 0,
  );
}

/** A port nothing listens on, for the suite's harness (its default, 7777, may be taken). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface SuiteRun {
  code: number | null;
  /** unittest's verbose report: one line per test, then "Ran N tests" and OK or FAILED. */
  output: string;
}

function runSuite(python: string, serviceUrl: string, harnessPort: number): Promise<SuiteRun> {
  const harness = { HARNESS_HOST: "127.0.0.1", HARNESS_PORT: String(harnessPort) };
  const child = spawn(python, [SUITE, serviceUrl], {
    cwd: SUITE_DIR,
    env: {
      ...process.env,
      ...harness,
      HARNESS_BIND_HOST: harness.HARNESS_HOST,
      HARNESS_BIND_PORT: harness.HARNESS_PORT,
      HARNESS_TIMEOUT: "5",
      // the strictest the suite gets: the tracestate limits included (STRICT_LEVEL), and the Level 2 tests
      STRICT_LEVEL: "2",
      SPEC_LEVEL: "2",
      // no __pycache__ in the checkout
      PYTHONDONTWRITEBYTECODE: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: SUITE_TIMEOUT_MS,
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

const python = SUITE_TESTS > 0 ? pythonWithAiohttp() : undefined;

describe.skipIf(!python)("the W3C Trace Context test suite", () => {
  let service: W3CTestService;

  beforeAll(async () => {
    service = await startW3CTestService();
  });

  afterAll(async () => {
    await service?.close();
  });

  it(
    "passes every test at strict level 2 and spec level 2",
    async () => {
      if (!python) throw new Error("Python 3 with aiohttp is not installed: apt-get install python3-aiohttp");
      const { code, output } = await runSuite(python, service.url, await freePort());
      const ran = Number(/^Ran (\d+) tests? in /m.exec(output)?.[1] ?? 0);
      const skipped = Number(/skipped=(\d+)/.exec(output)?.[1] ?? 0);
      expect(code, output).toBe(0);
      expect(SUITE_TESTS).toBeGreaterThan(0);
      expect(ran, output).toBe(SUITE_TESTS);
      expect(skipped, output).toBe(0);
      expect(output).toMatch(/^OK$/m);
    },
    SUITE_TIMEOUT_MS + 10_000,
  );
});
