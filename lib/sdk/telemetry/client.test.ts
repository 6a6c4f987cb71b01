import { describe, expect, it } from "vitest";
import { TelemetryBuilder } from "./builder";
import { TelemetryClient, type TelemetryExporter } from "./client";
import type { SpanData } from "./records";

// How the client hands spans to its exporter: in batches of at most maxSize, a few at a time, the next as soon as
// one is done, so a steady application whose server keeps up drops nothing.

/** An exporter whose span exports finish when the test says so, each (done) or all from now on (release). */
function heldExporter() {
  const pending: { spans: SpanData[]; done: () => void }[] = [];
  let released = false;
  const exporter: TelemetryExporter = {
    counts: { spans: 0, logs: 0, metrics: 0, failed: 0 },
    lastError: undefined,
    exportSpans: (spans) =>
      new Promise<void>((resolve) => {
        const done = () => {
          exporter.counts.spans += spans.length;
          resolve();
        };
        pending.push({ spans, done });
        if (released) done();
      }),
    exportLogs: async () => {},
    exportMetrics: async () => {},
  };
  const release = () => {
    released = true;
    for (const p of pending) p.done();
  };
  return { exporter, pending, release };
}

const config = (maxQueueSize: number) => ({
  ...new TelemetryBuilder()
    .withApiKey("tfk_0123456789abcdef", "tfs_secret")
    .withService("web")
    .withTracesOnly()
    .withBatchSettings({ maxSize: 10 })
    .build().config,
  maxQueueSize,
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("span batches", () => {
  it("go out at maxSize, 16 at a time, the next as soon as one is done", async () => {
    const { exporter, pending } = heldExporter();
    const client = new TelemetryClient(config(1000), exporter);
    void client.initialize();
    for (let i = 0; i < 215; i++) client.endSpan(client.startSpan(`span ${i}`));
    await settle();
    expect(pending.map((p) => p.spans.length)).toEqual(Array(16).fill(10));
    expect(client.getStatus()).toMatchObject({ queued: 55, dropped: 0 });

    pending[0]!.done();
    await settle();
    // a full batch waited: it went when a request came back, not at the next record or tick
    expect(pending).toHaveLength(17);
    expect(client.getStatus().queued).toBe(45);

    const flushed = client.flush();
    for (let done = 1; done < 22; done++) {
      await settle();
      pending[done]!.done();
    }
    await flushed;
    // spans in order, each once, none dropped
    expect(pending.flatMap((p) => p.spans.map((s) => s.name))).toEqual(
      Array.from({ length: 215 }, (_, i) => `span ${i}`),
    );
    expect(pending.map((p) => p.spans.length)).toEqual([...Array(21).fill(10), 5]);
    expect(client.getStatus()).toMatchObject({ spansSent: 215, queued: 0, dropped: 0 });
    await client.shutdown(1);
  });

  it("are dropped, and counted, beyond maxQueueSize while the server does not answer", async () => {
    const { exporter, release } = heldExporter();
    const client = new TelemetryClient(config(300), exporter);
    void client.initialize();
    for (let i = 0; i < 1000; i++) client.endSpan(client.startSpan("work"));
    await settle();
    // 16 batches on their way, a full queue behind them
    expect(client.getStatus()).toMatchObject({ queued: 300, dropped: 540 });
    release();
    await client.shutdown(1);
    expect(client.getStatus()).toMatchObject({ spansSent: 460, dropped: 540 });
  });
});

describe("open spans", () => {
  it("end in any order, each once, with what was set on them while open", async () => {
    const { exporter, release, pending } = heldExporter();
    release();
    const client = new TelemetryClient(config(1000), exporter);
    void client.initialize();
    const a = client.startSpan("a");
    const b = client.startSpan("b", undefined, {}, client.spanContext(a));
    client.setSpanAttributes(a, { on: "a" });
    client.endSpan(a);
    const c = client.startSpan("c");
    client.addSpanEvent(b, "inside b");
    client.setSpanStatus(c, "error", "c failed");
    client.endSpan(b);
    client.endSpan(b);
    client.endSpan(c);
    await client.flush();
    const sent = pending.flatMap((p) => p.spans);
    expect(sent.map((s) => s.name)).toEqual(["a", "b", "c"]);
    expect(sent[0]!.attributes).toEqual({ on: "a" });
    expect(sent[1]).toMatchObject({ parentSpanId: a, events: [{ name: "inside b" }] });
    expect(sent[2]!.status).toEqual({ code: "error", message: "c failed" });
    expect(client.spanContext(a) ?? client.spanContext(b) ?? client.spanContext(c)).toBeUndefined();
    await client.shutdown(1);
  });
});
