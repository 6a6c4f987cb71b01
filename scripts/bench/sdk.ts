import { execFile } from "node:child_process";
import { promisify } from "node:util";

// Spans created and ended per second: Tracedeck's SDK and @opentelemetry/sdk-trace-base, each with
// its batching and an exporter that does nothing; then the SDK's whole path, its real exporter
// sending JSON to a loopback server. Each measurement runs in a process of its own, the variants
// taking turns, PROCESSES times; the medians are printed.

const run = promisify(execFile);
const PROCESSES = 3;
const VARIANTS = {
  otel: "@opentelemetry/sdk-trace-base, batch processor, no-op exporter",
  sdk: "Tracedeck SDK, its batching, no-op exporter",
  "sdk-export": "Tracedeck SDK, sending JSON over loopback HTTP",
} as const;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchSdk(): Promise<void> {
  const results: Record<keyof typeof VARIANTS, number[]> = { otel: [], sdk: [], "sdk-export": [] };
  for (let i = 0; i < PROCESSES; i++) {
    for (const variant of Object.keys(VARIANTS) as (keyof typeof VARIANTS)[]) {
      const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/bench/sdk-spans.ts", variant], {
        env: process.env,
      });
      results[variant].push(Number(stdout.trim()));
    }
  }
  const spans = Number(process.env.BENCH_SPANS ?? 100_000).toLocaleString("en");
  console.log(
    `${spans} spans a round in bursts of 512, median of 7 rounds per process, median of ${PROCESSES} processes per variant`,
  );
  for (const [variant, label] of Object.entries(VARIANTS) as [keyof typeof VARIANTS, string][]) {
    const micros = median(results[variant]);
    console.log(
      `  ${label.padEnd(64)} ${micros.toFixed(2)} µs/span (${Math.round(1e6 / micros).toLocaleString("en")} spans/s)  [${results[variant].map((m) => m.toFixed(2)).join(", ")}]`,
    );
  }
  console.log(`  SDK vs OpenTelemetry, per span: ${(median(results.otel) / median(results.sdk)).toFixed(2)}× faster`);
}
