import { afterEach, describe, expect, it, vi } from "vitest";
import { BatchProcessor, type DropReason } from "./batch";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Lets the exports already started run to their end (they settle on promises, not on time). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

function recorder() {
  const batches: number[][] = [];
  const drops: { items: number[]; reason: DropReason }[] = [];
  return {
    batches,
    drops,
    exportBatch: async (items: number[]) => {
      batches.push(items);
    },
    onDrop: (items: number[], reason: DropReason) => drops.push({ items, reason }),
  };
}

describe("BatchProcessor", () => {
  it("exports as soon as a batch is full, without waiting for the interval", async () => {
    const r = recorder();
    const processor = new BatchProcessor<number>({ exportBatch: r.exportBatch, batchSize: 3, flushIntervalMs: 60_000 });
    processor.addMany([1, 2, 3, 4, 5, 6, 7]);
    await settled();
    expect(r.batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(processor.queueLength).toBe(1);
    await processor.shutdown();
    expect(r.batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it("exports a partial batch when the interval passes", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const r = recorder();
    const processor = new BatchProcessor<number>({ exportBatch: r.exportBatch, batchSize: 100, flushIntervalMs: 30 });
    processor.add(1);
    processor.add(2);
    await vi.advanceTimersByTimeAsync(29);
    expect(r.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.batches).toEqual([[1, 2]]);
    expect(processor.exportedCount).toBe(2);
    await processor.shutdown();
  });

  it("drops what does not fit in the queue, and says so", async () => {
    const r = recorder();
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const processor = new BatchProcessor<number>({
      exportBatch: () => blocked,
      batchSize: 2,
      maxQueueSize: 4,
      flushIntervalMs: 60_000,
      onDrop: r.onDrop,
    });
    expect(processor.addMany([1, 2])).toBe(2); // taken by the (blocked) export
    await wait(0);
    expect(processor.addMany([3, 4, 5, 6, 7])).toBe(4);
    expect(processor.add(8)).toBe(false);
    expect(processor.droppedCount).toBe(2);
    expect(r.drops).toEqual([
      { items: [7], reason: "queue_full" },
      { items: [8], reason: "queue_full" },
    ]);
    release();
    await processor.shutdown();
  });

  it("keeps a failed export away from the caller, reports it and goes on with the next batch", async () => {
    const r = recorder();
    const processor = new BatchProcessor<number>({
      exportBatch: async (items) => {
        if (items[0] === 1) throw new Error("server down");
        r.batches.push(items);
      },
      batchSize: 2,
      flushIntervalMs: 60_000,
      onDrop: (items, reason) => {
        r.onDrop(items, reason);
        throw new Error("a broken callback changes nothing");
      },
    });
    expect(() => processor.addMany([1, 2, 3, 4])).not.toThrow();
    await expect(processor.flush()).resolves.toBe(0);
    expect(r.batches).toEqual([[3, 4]]);
    expect(r.drops).toEqual([{ items: [1, 2], reason: "export_failed" }]);
    expect(processor.failedCount).toBe(2);
    expect(processor.exportedCount).toBe(2);
    await processor.shutdown();
  });

  it("flush exports everything queued and says how much", async () => {
    const r = recorder();
    const processor = new BatchProcessor<number>({ exportBatch: r.exportBatch, batchSize: 2, flushIntervalMs: 60_000 });
    processor.add(1);
    await expect(processor.flush()).resolves.toBe(1);
    await expect(processor.flush()).resolves.toBe(0);
    await processor.shutdown();
  });

  it("shutdown exports what is left, then refuses new items", async () => {
    const r = recorder();
    const processor = new BatchProcessor<number>({
      exportBatch: r.exportBatch,
      batchSize: 10,
      flushIntervalMs: 60_000,
      onDrop: r.onDrop,
    });
    processor.addMany([1, 2, 3]);
    await expect(processor.shutdown(1)).resolves.toBe(true);
    expect(r.batches).toEqual([[1, 2, 3]]);
    expect(processor.add(4)).toBe(false);
    expect(r.drops).toEqual([{ items: [4], reason: "shut_down" }]);
  });

  it("shutdown gives up after its timeout: the export in flight is aborted and the rest reported dropped", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const r = recorder();
    let exportSignal: AbortSignal | undefined;
    const processor = new BatchProcessor<number>({
      exportBatch: (_items, { signal }) => {
        exportSignal = signal;
        return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      },
      batchSize: 2,
      flushIntervalMs: 60_000,
      onDrop: r.onDrop,
    });
    processor.addMany([1, 2, 3]);
    let outcome: boolean | undefined;
    void processor.shutdown({ milliseconds: 50 }).then((done) => (outcome = done));
    await vi.advanceTimersByTimeAsync(49);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toBe(false);
    expect(exportSignal?.aborted).toBe(true);
    await settled();
    expect(r.drops).toEqual(
      expect.arrayContaining([
        { items: [3], reason: "shut_down" },
        { items: [1, 2], reason: "export_failed" },
      ]),
    );
  });

  it("does not keep the process alive with its timer", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const processor = new BatchProcessor<number>({ exportBatch: async () => undefined, flushIntervalMs: 10 });
    expect(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length).toBe(before);
    await processor.shutdown();
  });
});
