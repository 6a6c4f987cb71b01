import { errors } from "@elastic/elasticsearch";
import Mock from "@elastic/elasticsearch-mock";
import { afterEach, describe, expect, it } from "vitest";
import { ElasticsearchPublisher } from "./elasticsearch";
import { EventMetrics, NetworkMetrics } from "./metrics";

// The official client runs for real; only its HTTP connection is replaced by the mock.

const open: ElasticsearchPublisher[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function publisher(mock: Mock, options: { maxQueue?: number } = {}) {
  const es = new ElasticsearchPublisher({
    hosts: ["http://elastic:changeme@localhost:9200"],
    indexPrefix: "pipeline",
    clientOptions: { Connection: mock.getConnection(), maxRetries: 0 },
    flushIntervalMs: 60_000,
    ...options,
  });
  open.push(es);
  return es;
}

function event(taskId: string, startTime: number, error?: string): EventMetrics {
  const m = new EventMetrics("resize", taskId, startTime, 1);
  m.endTime = startTime + 2;
  m.status = error ? "failed" : "completed";
  m.error = error;
  return m;
}

type BulkLine = Record<string, Record<string, string>> & Record<string, unknown>;

describe("ElasticsearchPublisher", () => {
  it("bulk-indexes events and network operations into daily indices under the prefix", async () => {
    const mock = new Mock();
    const bodies: BulkLine[][] = [];
    mock.add({ method: "POST", path: "/_bulk" }, (params) => {
      const lines = params.body as BulkLine[];
      bodies.push(lines);
      return {
        errors: false,
        took: 1,
        items: lines.filter((_, i) => i % 2 === 0).map(() => ({ index: { _index: "x", status: 201 } })),
      };
    });
    const es = publisher(mock);
    es.publishEventMetrics(event("t1", Date.UTC(2026, 2, 14, 23, 59) / 1000));
    const op = new NetworkMetrics("t1", "db", 5432, "query", Date.UTC(2026, 2, 15, 0, 1) / 1000);
    op.endTime = op.startTime + 0.5;
    es.publishNetworkMetrics(op);
    await es.flush();

    expect(bodies).toHaveLength(1);
    const [action1, doc1, action2, doc2] = bodies[0]!;
    expect(action1).toEqual({ index: { _index: "pipeline-2026.03.14", _id: "event:t1" } });
    expect(doc1).toMatchObject({
      metric_type: "event",
      event_name: "resize",
      task_id: "t1",
      status: "completed",
      duration_seconds: 2,
      "@timestamp": "2026-03-14T23:59:00.000Z",
    });
    expect(action2?.index?._index).toBe("pipeline-2026.03.15");
    expect(doc2).toMatchObject({
      metric_type: "network",
      host: "db",
      port: 5432,
      operation: "query",
      latency_seconds: 0.5,
    });
    expect(es.status()).toMatchObject({
      name: "elasticsearch",
      type: "elasticsearch",
      state: "healthy",
      sent_count: 2,
      failed_count: 0,
      backlog: 0,
      target: "http://localhost:9200",
    });
  });

  it("counts the documents a bulk request rejected one by one, and reports degraded", async () => {
    const mock = new Mock();
    mock.add({ method: "POST", path: "/_bulk" }, () => ({
      errors: true,
      took: 1,
      items: [
        { index: { _index: "pipeline-2026.03.14", status: 201 } },
        {
          index: {
            _index: "pipeline-2026.03.14",
            status: 400,
            error: { type: "mapper_parsing_exception", reason: "failed to parse field [port]" },
          },
        },
        { index: { _index: "pipeline-2026.03.14", status: 201 } },
        {
          index: {
            _index: "pipeline-2026.03.14",
            status: 429,
            error: { type: "es_rejected_execution_exception", reason: "queue full" },
          },
        },
      ],
    }));
    const es = publisher(mock);
    for (const id of ["a", "b", "c", "d"]) es.publishEventMetrics(event(id, Date.UTC(2026, 2, 14) / 1000));
    await es.flush();
    expect(es.status()).toMatchObject({
      state: "degraded",
      sent_count: 2,
      failed_count: 2,
      backlog: 0,
      last_error: "pipeline-2026.03.14: mapper_parsing_exception: failed to parse field [port]",
    });
  });

  it("keeps a batch for the next try while Elasticsearch is down, with a bounded queue", async () => {
    const mock = new Mock();
    let up = false;
    const received: number[] = [];
    mock.add({ method: "POST", path: "/_bulk" }, (params) => {
      if (!up)
        return new errors.ResponseError({
          body: { error: "unavailable", status: 503 },
          statusCode: 503,
          headers: {},
          warnings: null,
          meta: {} as never,
        });
      const lines = params.body as BulkLine[];
      received.push(lines.length / 2);
      return {
        errors: false,
        took: 1,
        items: lines.filter((_, i) => i % 2 === 0).map(() => ({ index: { _index: "x", status: 201 } })),
      };
    });
    const es = publisher(mock, { maxQueue: 3 });
    for (const id of ["a", "b"]) es.publishEventMetrics(event(id, Date.UTC(2026, 2, 14) / 1000));
    await es.flush();
    expect(es.status()).toMatchObject({ state: "failing", backlog: 2, sent_count: 0, failed_count: 0 });
    expect(es.status().last_error).toBeTruthy();
    for (const id of ["c", "d", "e"]) es.publishEventMetrics(event(id, Date.UTC(2026, 2, 14) / 1000));
    expect(es.status()).toMatchObject({ backlog: 3, failed_count: 0, dropped_count: 2 });
    up = true;
    await es.flush();
    expect(received).toEqual([3]);
    expect(es.status()).toMatchObject({
      state: "degraded",
      backlog: 0,
      sent_count: 3,
      failed_count: 0,
      dropped_count: 2,
    });
  });
});
