import { execFile } from "node:child_process";
import { promisify } from "node:util";

// Spans created and ended per second, with 1 and with 6 attributes: recording only, Tracedeck's SDK and
// @opentelemetry/sdk-trace-base each with its batching and an exporter that does nothing; then end to end, each
// with its real exporter sending to a loopback server that acknowledges at once (the SDK's JSON and OTLP protobuf
// over HTTP; OpenTelemetry's OTLP protobuf exporter, configured to drop nothing: a queue that holds a round's
// spans, no cap on concurrent exports). The SDK gzips by default only to an endpoint on another machine, so to the
// loopback sink it sends uncompressed, as OpenTelemetry's exporter does by default; its gzipped OTLP, as it sends
// to a remote server, is measured too. What each delivered (its server acknowledged) is counted. Each measurement
// runs in a process of its own, the variants taking turns, PROCESSES times; the medians are printed.

const run = promisify(execFile);
const PROCESSES = 3;
const VARIANTS = {
  otel: "OpenTelemetry, batch processor, no-op exporter",
  sdk: "Tracedeck SDK, its batching, no-op exporter",
  "otel-export": "OpenTelemetry, OTLP/HTTP protobuf exporter",
  "sdk-export": "Tracedeck SDK, JSON over HTTP (its default without gRPC)",
  "sdk-export-otlp": "Tracedeck SDK, OTLP/HTTP protobuf",
  "sdk-export-otlp-gzip": "Tracedeck SDK, OTLP/HTTP protobuf, gzip (remote default)",
} as const;
type Variant = keyof typeof VARIANTS;

interface Measurement {
  micros: number;
  created: number;
  delivered: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchSdk(): Promise<void> {
  const spans = Number(process.env.BENCH_SPANS ?? 100_000).toLocaleString("en");
  console.log(
    `${spans} spans a round in bursts of 512, median of 7 rounds per process, median of ${PROCESSES} processes per variant`,
  );
  for (const attributes of ["1", "6"]) {
    const results = Object.fromEntries(Object.keys(VARIANTS).map((v) => [v, [] as Measurement[]])) as Record<
      Variant,
      Measurement[]
    >;
    for (let i = 0; i < PROCESSES; i++) {
      for (const variant of Object.keys(VARIANTS) as Variant[]) {
        const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/bench/sdk-spans.ts", variant], {
          env: { ...process.env, BENCH_ATTRIBUTES: attributes },
        });
        results[variant].push(JSON.parse(stdout.trim().split("\n").at(-1)!) as Measurement);
      }
    }
    const micros = (variant: Variant) => median(results[variant].map((m) => m.micros));
    console.log(`${attributes} attribute${attributes === "1" ? "" : "s"} per span:`);
    for (const [variant, label] of Object.entries(VARIANTS) as [Variant, string][]) {
      const created = results[variant].reduce((n, m) => n + m.created, 0);
      const delivered = results[variant].reduce((n, m) => n + m.delivered, 0);
      console.log(
        `  ${label.padEnd(58)} ${micros(variant).toFixed(2)} µs/span (${Math.round(1e6 / micros(variant)).toLocaleString("en")} spans/s)  [${results[variant].map((m) => m.micros.toFixed(2)).join(", ")}]  delivered ${delivered.toLocaleString("en")} of ${created.toLocaleString("en")}`,
      );
    }
    console.log(
      `  SDK vs OpenTelemetry per span: recording ${(micros("otel") / micros("sdk")).toFixed(2)}× faster; end to end ${(micros("otel-export") / micros("sdk-export")).toFixed(2)}× (JSON), ${(micros("otel-export") / micros("sdk-export-otlp")).toFixed(2)}× (OTLP protobuf), ${(micros("otel-export") / micros("sdk-export-otlp-gzip")).toFixed(2)}× (OTLP protobuf, gzip)`,
    );
  }
}
