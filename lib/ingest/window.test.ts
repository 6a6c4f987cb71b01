import { describe, expect, it } from "vitest";
import type { NetworkOpRecord, SpanRecord } from "@/lib/model/records";
import { MAX_NAME_BYTES } from "@/lib/model/text";
import type { Retention } from "@/lib/storage/retention";
import { withinStorage } from "./window";

const NOW = new Date("2026-06-01T12:00:00Z");
const NANOS = BigInt(NOW.getTime()) * 1_000_000n;
const RETENTION: Retention = { traces: 7, logs: 7, events: 7, metrics: 7, pipeline: 7, rollups: 30 };

const span = (name: string, serviceName = "api"): SpanRecord => ({
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  parentSpanId: null,
  name,
  serviceName,
  kind: "server",
  statusCode: "unset",
  statusMessage: null,
  startTimeUnixNano: NANOS,
  endTimeUnixNano: NANOS,
  traceState: null,
  attributes: {},
  resourceAttributes: {},
  events: [],
  links: [],
  scope: null,
  flags: null,
  dropped: null,
});

const networkOp = (taskId: string, host: string, operation: string): NetworkOpRecord => ({
  taskId,
  host,
  port: 443,
  operation,
  startTime: NANOS,
  endTime: null,
  bytesSent: 0,
  bytesReceived: 0,
  error: null,
});

/** `n` characters of 3 bytes each in UTF-8 */
const wide = (n: number) => "€".repeat(n);

describe("names storage keeps: bytes of UTF-8, not characters", () => {
  it("keeps a name of exactly the limit and refuses one byte more, in ASCII and in wider characters", () => {
    const { batch, notStored } = withinStorage(
      {
        spans: [
          span("a".repeat(MAX_NAME_BYTES)),
          span("a".repeat(MAX_NAME_BYTES + 1)),
          span(wide(MAX_NAME_BYTES / 4)),
          // 342 characters, 1,026 bytes: short in characters, long in bytes
          span(wide(Math.ceil(MAX_NAME_BYTES / 3))),
          span("ok", "é".repeat(MAX_NAME_BYTES / 2 + 1)),
        ],
      },
      RETENTION,
      NOW,
    );
    expect(batch.spans?.map((s) => s.name.length)).toEqual([MAX_NAME_BYTES, MAX_NAME_BYTES / 4]);
    expect(notStored.map((n) => [n.index, n.reason])).toEqual([
      [1, `has a name longer than ${MAX_NAME_BYTES} bytes (UTF-8): not stored`],
      [3, `has a name longer than ${MAX_NAME_BYTES} bytes (UTF-8): not stored`],
      [4, `has a service longer than ${MAX_NAME_BYTES} bytes (UTF-8): not stored`],
    ]);
  });

  it("counts the bytes of names indexed together, however short each is in characters", () => {
    // each name a third of the limit in characters (so each fits alone), three bytes a character: together 3 × the
    // limit in bytes, past the two limits a network operation's names may take together
    const third = wide(Math.floor(MAX_NAME_BYTES / 3));
    const { batch, notStored } = withinStorage(
      { networkOps: [networkOp(third, third, third), networkOp("task", "db.internal", "query")] },
      RETENTION,
      NOW,
    );
    expect(batch.networkOps?.map((n) => n.taskId)).toEqual(["task"]);
    expect(notStored).toEqual([
      {
        kind: "networkOps",
        index: 0,
        reason: `has task_id, host, operation longer than ${MAX_NAME_BYTES * 2} bytes together (UTF-8): not stored`,
      },
    ]);
  });
});
