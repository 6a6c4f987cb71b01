import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./server";

export interface TestPrometheus {
  url: string;
  stop(): void;
}

/**
 * A real Prometheus (Debian's `prometheus`) on a free loopback port, with this configuration and, if given, this web
 * configuration (basic auth) and these flags; its data in a folder of its own, removed when it stops.
 */
export async function startPrometheus(
  config: string,
  { webConfig, flags = [] }: { webConfig?: string; flags?: string[] } = {},
): Promise<TestPrometheus> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "tracedeck-prometheus-"));
  writeFileSync(path.join(dir, "prometheus.yml"), config);
  if (webConfig) writeFileSync(path.join(dir, "web.yml"), webConfig);
  const child = spawn(
    "prometheus",
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      ...(webConfig ? [`--web.config.file=${path.join(dir, "web.yml")}`] : []),
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...flags,
    ],
    { stdio: "ignore" },
  );
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
