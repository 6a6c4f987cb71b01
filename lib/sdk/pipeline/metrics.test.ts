import { describe, expect, it } from "vitest";
import { EventMetrics, formatMetrics, NetworkMetrics, toNetworkMetrics } from "./metrics";

// The reference client's publishers take a network operation as a dict: plain objects, in either spelling, give
// what the records give.

describe("metrics given as plain objects", () => {
  it("format as the records do, camelCase or as the wire spells them", () => {
    const op = new NetworkMetrics("t-1", "db.internal", 5432, "query", 100);
    op.endTime = 100.25;
    op.bytesSent = 10;
    op.bytesReceived = 2048;
    const wire = {
      task_id: "t-1",
      host: "db.internal",
      port: 5432,
      operation: "query",
      start_time: 100,
      end_time: 100.25,
      bytes_sent: 10,
      bytes_received: 2048,
    };
    const camel = {
      taskId: "t-1",
      host: "db.internal",
      port: 5432,
      operation: "query",
      startTime: 100,
      endTime: 100.25,
      bytesSent: 10,
      bytesReceived: 2048,
    };
    expect(formatMetrics(wire)).toEqual(formatMetrics(op));
    expect(formatMetrics(camel)).toEqual(formatMetrics(op));
    expect(formatMetrics(op)).toMatchObject({ latency_seconds: 0.25, bytes_received: 2048 });

    const event = new EventMetrics("resize", "t-2", 50, 4242, { size: "large" });
    event.endTime = 52;
    event.status = "failed";
    event.error = "disk full";
    event.retryCount = 2;
    expect(
      formatMetrics({
        event_name: "resize",
        task_id: "t-2",
        start_time: 50,
        end_time: 52,
        status: "failed",
        error: "disk full",
        retry_count: 2,
        process_id: 4242,
        attributes: { size: "large" },
      }),
    ).toEqual(formatMetrics(event));
  });

  it("names a missing or mistyped field", () => {
    expect(() => toNetworkMetrics({ host: "h", port: 1, operation: "get" })).toThrow(
      "metrics need start_time (or startTime), a number",
    );
    expect(() => formatMetrics({ host: "h", port: "80", operation: "get", start_time: 1 } as never)).toThrow(
      'port must be a number, not "80"',
    );
  });
});
