import { describe, expect, it } from "vitest";
import { readsReplica } from "./endpoint";
import { endpoints } from "./endpoints";

describe("readsReplica", () => {
  const all = Object.values(endpoints);
  const onReplica = all.filter(readsReplica).map((e) => e.name);

  it("sends the query API to a read replica: telemetry reads, and nothing else", () => {
    expect(onReplica.sort()).toEqual(
      [
        "getTask",
        "getTrace",
        "getTraceOutline",
        "getTraceSpan",
        "listMetrics",
        "listNetworkOps",
        "listOperations",
        "listPipelineEvents",
        "listServices",
        "listSlowEvents",
        "listSlowNetworkOps",
        "networkHosts",
        "networkSeries",
        "pipelineSummary",
        "projectStats",
        "prometheusMetrics",
        "publisherSeries",
        "queryMetric",
        "retryStats",
        "searchEvents",
        "searchLogs",
        "searchTraces",
        "serviceMap",
        "serviceSeries",
        "traceDurations",
      ].sort(),
    );
  });

  it("keeps ingest, sign-in, settings and every write on the primary", () => {
    for (const e of all.filter((e) => e.method !== "get" || e.scope !== "read")) expect(readsReplica(e)).toBe(false);
    // reads of what a person just configured show it at once
    expect(readsReplica(endpoints.listProjects)).toBe(false);
    expect(readsReplica(endpoints.listPublishers)).toBe(false);
    expect(readsReplica(endpoints.listKeys)).toBe(false);
  });
});
