import http from "node:http";
import type { AddressInfo } from "node:net";
import { BatchSpanProcessor, BasicTracerProvider, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { TelemetryBuilder, TelemetryClient, type TelemetryExporter } from "@/lib/sdk/telemetry";

// Spans created and ended per second: Tracedeck's SDK and @opentelemetry/sdk-trace-base, each with
// its batching and an exporter that does nothing, in the same run; then the SDK's whole path, with
// its real exporter sending JSON to a loopback server that answers at once.

const SPANS = Number(process.env.BENCH_SPANS ?? 200_000);
const ROUNDS = 5;
const KEY = ["tfk_0000000000000000bench", "tfs_bench-secret"] as const;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

class NoopExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** µs per span of `run`, the median of ROUNDS. */
async function measure(run: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  await run(); // warm-up
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await run();
    times.push(((performance.now() - started) * 1000) / SPANS);
  }
  return median(times);
}

export async function benchSdk(): Promise<void> {
  const sink = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"accepted":0,"rejected":0,"errors":[]}'));
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const { port } = sink.address() as AddressInfo;

  const otel = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new NoopExporter(), { maxQueueSize: 2048, maxExportBatchSize: 512 })] });
  const tracer = otel.getTracer("bench");
  const otelMicros = await measure(async () => {
    for (let i = 0; i < SPANS; i++) tracer.startSpan("work", { attributes: { i } }).end();
    await otel.forceFlush();
  });

  // the same setup on the SDK's side: its batching (512 a batch) and an exporter that does nothing
  const noop: TelemetryExporter = { counts: { spans: 0, logs: 0, metrics: 0, failed: 0 }, lastError: undefined, exportSpans: async () => {}, exportLogs: async () => {}, exportMetrics: async () => {} };
  const buffered = new TelemetryClient(new TelemetryBuilder().withApiKey(...KEY).withService("bench").withTracesOnly().withBatchSettings({ maxSize: 512 }).build().config, noop);
  buffered.initialize();
  const bufferedMicros = await measure(async () => {
    for (let i = 0; i < SPANS; i++) buffered.endSpan(buffered.startSpan("work", undefined, { i }));
    await buffered.flush();
  });

  const exporting = new TelemetryBuilder().withApiKey(...KEY).withEndpoint(`http://127.0.0.1:${port}`).withService("bench").withTracesOnly().withBatchSettings({ maxSize: 512 }).build();
  exporting.initialize();
  const exportingMicros = await measure(async () => {
    for (let i = 0; i < SPANS; i++) exporting.endSpan(exporting.startSpan("work", undefined, { i }));
    await exporting.flush();
  });
  await exporting.shutdown(10_000);
  await buffered.shutdown(1);
  sink.close();

  console.log(`${SPANS.toLocaleString("en")} spans a round, median of ${ROUNDS} rounds, one process`);
  console.log(`  @opentelemetry/sdk-trace-base, batch processor, no-op exporter: ${otelMicros.toFixed(2)} µs/span (${Math.round(1e6 / otelMicros).toLocaleString("en")} spans/s)`);
  console.log(`  Tracedeck SDK, batching, no-op exporter:                      ${bufferedMicros.toFixed(2)} µs/span (${Math.round(1e6 / bufferedMicros).toLocaleString("en")} spans/s) → ${(otelMicros / bufferedMicros).toFixed(2)}× faster`);
  console.log(`  Tracedeck SDK, create, end and send (JSON, gzip, loopback):   ${exportingMicros.toFixed(2)} µs/span (${Math.round(1e6 / exportingMicros).toLocaleString("en")} spans/s)`);
}
