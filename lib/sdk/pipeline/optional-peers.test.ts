import { describe, expect, it, vi } from "vitest";

// An application without the optional peer dependencies: importing them fails, as it would when
// they are not installed. Everything else still works, and the publishers that need them say so.
vi.mock("prom-client", () => {
  throw new Error("Cannot find package 'prom-client'");
});
vi.mock("@elastic/elasticsearch", () => {
  throw new Error("Cannot find package '@elastic/elasticsearch'");
});

describe("without prom-client and @elastic/elasticsearch", () => {
  it("loads the SDK, records telemetry, and reports the publishers that need them as failing", async () => {
    const { ElasticsearchPublisher, EventMetrics, getFailedEvents, PrometheusPublisher, TelemetryLogger } =
      await import("./index");
    const logger = new TelemetryLogger();
    logger.startEvent("job", "t");
    logger.endEvent("t", "boom");
    expect(getFailedEvents(logger)).toHaveLength(1);

    const prometheus = new PrometheusPublisher({ port: 0, addr: "127.0.0.1" });
    await expect(prometheus.ready).rejects.toThrow(/needs the prom-client package/);
    expect(prometheus.status()).toMatchObject({
      state: "failing",
      last_error: expect.stringMatching(/needs the prom-client package/),
    });
    await prometheus.close();

    const elasticsearch = new ElasticsearchPublisher({ hosts: ["http://localhost:9200"], flushIntervalMs: 60_000 });
    elasticsearch.publishEventMetrics(new EventMetrics("job", "t", 1_700_000_000));
    await elasticsearch.flush();
    expect(elasticsearch.status()).toMatchObject({
      state: "failing",
      backlog: 1,
      last_error: expect.stringMatching(/needs the @elastic\/elasticsearch package/),
    });
    await elasticsearch.close();
  });
});
