// One measurement of the SDK benchmark, in a process of its own so neither tracer runs in a heap
// the other has shaped: prints the median µs per span of ROUNDS rounds, and the spans created and
// delivered (what the exporter's server acknowledged), as JSON.
import { spawn } from "node:child_process";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import {
  BatchSpanProcessor,
  BasicTracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { TelemetryBuilder, TelemetryClient, type TelemetryExporter } from "@/lib/sdk/telemetry";

const SPANS = Number(process.env.BENCH_SPANS ?? 100_000);
const ROUNDS = 7;
const BATCH = 512;
const KEY = ["tfk_0000000000000000bench", "tfs_bench-secret"] as const;

class NoopExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const noop: TelemetryExporter = {
  counts: { spans: 0, logs: 0, metrics: 0, failed: 0 },
  lastError: undefined,
  exportSpans: async () => {},
  exportLogs: async () => {},
  exportMetrics: async () => {},
};

/** Passes spans to `inner`, counting those it reports exported (code 0: SUCCESS). */
class CountingExporter implements SpanExporter {
  delivered = 0;
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (result: { code: number; error?: Error }) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === 0) this.delivered += spans.length;
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** The loopback server (sdk-sink.ts), in a process of its own; resolves once it listens. */
async function sink(): Promise<{ url: string; close: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench/sdk-sink.ts"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`the sink exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, close: () => child.kill("SIGTERM") };
}

/** Like an application: spans in bursts of a batch, the event loop free between them for exports. */
async function spans(one: (i: number) => void): Promise<void> {
  for (let i = 0; i < SPANS; i++) {
    one(i);
    if (i % BATCH === BATCH - 1) await new Promise(setImmediate);
  }
}

interface Variant {
  run: () => Promise<void>;
  close: () => Promise<void>;
  /** spans the exporter's server acknowledged (no-op exporters: all of them) */
  delivered: () => number;
}

// read once: process.env is a call into the environment on every read (some 0.4 µs), which would be measured with
// each span, the same for both tracers
const SIX_ATTRIBUTES = process.env.BENCH_ATTRIBUTES === "6";

/** The span attributes of a run: one, or six of an HTTP server span's usual kinds. */
const attributes = (i: number): Record<string, string | number | boolean> =>
  SIX_ATTRIBUTES
    ? {
        i,
        "http.request.method": "GET",
        "http.route": "/orders/{id}",
        "http.response.status_code": 200,
        "server.address": "shop.internal",
        "user_agent.synthetic": false,
      }
    : { i };

async function variant(name: string): Promise<Variant> {
  if (name === "otel" || name === "otel-export") {
    // nothing dropped: a queue that holds every span of a round, and no cap on concurrent exports
    const target = name === "otel" ? undefined : await sink();
    const exporter = new CountingExporter(
      target
        ? new OTLPTraceExporter({ url: `${target.url}/v1/traces`, concurrencyLimit: 1_000_000 })
        : new NoopExporter(),
    );
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new BatchSpanProcessor(exporter, {
          maxQueueSize: SPANS * 2,
          maxExportBatchSize: BATCH,
          scheduledDelayMillis: 5000,
        }),
      ],
    });
    const tracer = provider.getTracer("bench");
    return {
      run: async () => (
        await spans((i) => tracer.startSpan("work", { attributes: attributes(i) }).end()),
        await provider.forceFlush()
      ),
      close: async () => {
        await provider.shutdown();
        target?.close();
      },
      delivered: () => exporter.delivered,
    };
  }
  const builder = new TelemetryBuilder()
    .withApiKey(...KEY)
    .withService("bench")
    .withHttp()
    .withTracesOnly();
  if (name === "sdk") {
    const client = new TelemetryClient(builder.build().config, noop);
    void client.initialize();
    let created = 0;
    return {
      run: async () => (
        await spans((i) => (created++, client.endSpan(client.startSpan("work", undefined, attributes(i))))),
        await client.flush()
      ),
      close: () => client.shutdown(1),
      delivered: () => created - client.getStatus().dropped,
    };
  }
  // the SDK's own exporter, as it sends by default over HTTP (JSON, uncompressed to loopback), or OTLP protobuf
  // (sdk-export-otlp), or that gzipped as it is by default to a remote endpoint (sdk-export-otlp-gzip)
  const target = await sink();
  if (name !== "sdk-export") builder.withOtlp();
  if (name === "sdk-export-otlp-gzip") builder.withCompression();
  const client = builder.withEndpoint(target.url).build();
  void client.initialize();
  return {
    run: async () => (
      await spans((i) => client.endSpan(client.startSpan("work", undefined, attributes(i)))),
      await client.flush()
    ),
    close: async () => {
      await client.shutdown(10);
      target.close();
    },
    delivered: () => client.getStatus().spansSent,
  };
}

const { run, close, delivered } = await variant(process.argv[2] ?? "sdk");
await run(); // warm-up
const micros: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  await run();
  micros.push(((performance.now() - started) * 1000) / SPANS);
}
await close();
micros.sort((a, b) => a - b);
console.log(
  JSON.stringify({ micros: micros[Math.floor(ROUNDS / 2)]!, created: SPANS * (ROUNDS + 1), delivered: delivered() }),
);
process.exit(0);
