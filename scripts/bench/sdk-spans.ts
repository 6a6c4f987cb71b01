// One measurement of the SDK benchmark, in a process of its own so neither tracer runs in a heap
// the other has shaped: prints the median µs per span of ROUNDS rounds.
import http from "node:http";
import type { AddressInfo } from "node:net";
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

/** Like an application: spans in bursts of a batch, the event loop free between them for exports. */
async function spans(one: (i: number) => void): Promise<void> {
  for (let i = 0; i < SPANS; i++) {
    one(i);
    if (i % BATCH === BATCH - 1) await new Promise(setImmediate);
  }
}

async function variant(name: string): Promise<{ run: () => Promise<void>; close: () => Promise<void> }> {
  if (name === "otel") {
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new NoopExporter())] });
    const tracer = provider.getTracer("bench");
    return {
      run: async () => (
        await spans((i) => tracer.startSpan("work", { attributes: { i } }).end()),
        await provider.forceFlush()
      ),
      close: () => provider.shutdown(),
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
    return {
      run: async () => (
        await spans((i) => client.endSpan(client.startSpan("work", undefined, { i }))),
        await client.flush()
      ),
      close: () => client.shutdown(1),
    };
  }
  // the SDK's own exporter: JSON, gzip, HTTP to a loopback server that answers at once
  const sink = http.createServer((req, res) => {
    req.resume();
    req.on("end", () =>
      res.writeHead(200, { "content-type": "application/json" }).end('{"accepted":0,"rejected":0,"errors":[]}'),
    );
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const client = builder.withEndpoint(`http://127.0.0.1:${(sink.address() as AddressInfo).port}`).build();
  void client.initialize();
  return {
    run: async () => (
      await spans((i) => client.endSpan(client.startSpan("work", undefined, { i }))),
      await client.flush()
    ),
    close: async () => {
      await client.shutdown(10);
      sink.close();
    },
  };
}

const { run, close } = await variant(process.argv[2] ?? "sdk");
await run(); // warm-up
const micros: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  await run();
  micros.push(((performance.now() - started) * 1000) / SPANS);
}
await close();
micros.sort((a, b) => a - b);
console.log(micros[Math.floor(ROUNDS / 2)]!.toFixed(3));
process.exit(0);
