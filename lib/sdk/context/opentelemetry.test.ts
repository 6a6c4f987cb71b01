import { context as otelContext, trace, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelemetryBuilder } from "../telemetry/builder";
import { TelemetryClient, type TelemetryExporter } from "../telemetry/client";
import type { SpanData } from "../telemetry/records";
import { openTelemetryLoaded } from "./opentelemetry";
import { TraceContext } from "./trace-context";

// One process instrumented by OpenTelemetry (its SDK, with the async context manager Node auto-instrumentation
// registers) and by this SDK: spans of either side parent the other's, in one trace.

const otelSpans = new InMemorySpanExporter();
let tracer: Tracer;
let client: TelemetryClient;
const sdkSpans: SpanData[] = [];

beforeAll(async () => {
  expect(await openTelemetryLoaded()).toBe(true);
  const contextManager = new AsyncLocalStorageContextManager().enable();
  otelContext.setGlobalContextManager(contextManager);
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(otelSpans)] });
  trace.setGlobalTracerProvider(provider);
  tracer = trace.getTracer("interop-test");
  const exporter: TelemetryExporter = {
    counts: { spans: 0, logs: 0, metrics: 0, failed: 0 },
    lastError: undefined,
    exportSpans: async (spans) => void sdkSpans.push(...spans),
    exportLogs: async () => {},
    exportMetrics: async () => {},
  };
  const config = new TelemetryBuilder()
    .withApiKey("tfk_0123456789abcdef", "tfs_secret")
    .withService("web")
    .build().config;
  client = new TelemetryClient(config, exporter);
  void client.initialize();
});
afterAll(async () => {
  await client.shutdown(1);
  otelContext.disable();
  trace.disable();
});

const otelSpan = (name: string): ReadableSpan => {
  const found = otelSpans.getFinishedSpans().find((s) => s.name === name);
  if (!found) throw new Error(`no OpenTelemetry span ${name}`);
  return found;
};
const sdkSpan = async (name: string): Promise<SpanData> => {
  await client.flush();
  const found = sdkSpans.find((s) => s.name === name);
  if (!found) throw new Error(`no SDK span ${name}`);
  return found;
};

describe("OpenTelemetry and this SDK in one process", () => {
  it("an OpenTelemetry span parents the SDK's spans started inside it", async () => {
    await tracer.startActiveSpan("otel GET /orders", async (span) => {
      await client.span("sdk load orders", async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
      });
      span.end();
    });
    const parent = otelSpan("otel GET /orders").spanContext();
    const child = await sdkSpan("sdk load orders");
    expect(child.traceId).toBe(parent.traceId);
    expect(child.parentSpanId).toBe(parent.spanId);
  });

  it("an SDK span parents the OpenTelemetry spans started inside it, across awaits", async () => {
    let sdkId = "";
    await client.span("sdk POST /pay", async (spanId) => {
      sdkId = spanId;
      await new Promise((resolve) => setTimeout(resolve, 1));
      tracer.startActiveSpan("otel charge card", (span) => span.end());
    });
    const root = await sdkSpan("sdk POST /pay");
    expect(root.spanId).toBe(sdkId);
    const child = otelSpan("otel charge card");
    expect(child.spanContext().traceId).toBe(root.traceId);
    expect(child.parentSpanContext?.spanId).toBe(root.spanId);
  });

  it("nests either way, three deep, and gives the outer span back when the inner one ends", async () => {
    await client.span("sdk job", async () => {
      await tracer.startActiveSpan("otel http call", async (span) => {
        await client.span("sdk parse answer", async () => {});
        span.end();
      });
      // OpenTelemetry's span has ended and its scope closed: the SDK's is current again
      await client.span("sdk store result", async () => {});
    });
    const job = await sdkSpan("sdk job");
    const call = otelSpan("otel http call");
    const parse = await sdkSpan("sdk parse answer");
    const store = await sdkSpan("sdk store result");
    expect(call.parentSpanContext?.spanId).toBe(job.spanId);
    expect(parse.parentSpanId).toBe(call.spanContext().spanId);
    expect(store.parentSpanId).toBe(job.spanId);
    expect(new Set([job.traceId, call.spanContext().traceId, parse.traceId, store.traceId]).size).toBe(1);
  });

  it("leaves a span set with TraceContext.set current until OpenTelemetry starts another", async () => {
    await tracer.startActiveSpan("otel outer", async (outer) => {
      const mine = TraceContext.newRoot();
      await TraceContext.run(mine, async () => {
        expect(TraceContext.get()).toBe(mine);
        const other = TraceContext.newRoot();
        TraceContext.set(other);
        expect(TraceContext.get()).toBe(other);
        tracer.startActiveSpan("otel inner", (inner) => {
          expect(TraceContext.get()?.spanId).toBe(inner.spanContext().spanId);
          inner.end();
        });
        expect(TraceContext.get()).toBe(other);
      });
      expect(TraceContext.get()?.spanId).toBe(outer.spanContext().spanId);
      outer.end();
    });
    expect(TraceContext.get()).toBeUndefined();
  });
});
