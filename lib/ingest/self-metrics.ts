import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { liveWriters } from "./writer";

// Tracedeck's own ingest metrics, for its /metrics: records accepted and rejected per signal, how
// long ingest requests take, and how many rows wait for a transaction. One registry per process
// (kept on globalThis so a reloaded module does not register the series twice).

interface SelfMetrics {
  registry: Registry;
  records: Counter<"signal" | "outcome">;
  duration: Histogram<"signal">;
}

function create(): SelfMetrics {
  const registry = new Registry();
  const records = new Counter({
    name: "tracedeck_ingest_records_total",
    help: "Records received, by signal and outcome (accepted or rejected)",
    labelNames: ["signal", "outcome"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "tracedeck_ingest_request_duration_seconds",
    help: "Time from a decoded ingest request to its committed answer, by signal",
    labelNames: ["signal"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: "tracedeck_ingest_queue_rows",
    help: "Rows waiting for an ingest transaction",
    registers: [registry],
    collect() {
      let rows = 0;
      for (const writer of liveWriters) rows += writer.queued;
      this.set(rows);
    },
  });
  return { registry, records, duration };
}

const holder = globalThis as { __tracedeckSelfMetrics?: SelfMetrics };
export const selfMetrics = (holder.__tracedeckSelfMetrics ??= create());

/** Counts one ingest request's outcome and how long it took. */
export function recordIngest(signal: string, accepted: number, rejected: number, startedAt: number): void {
  if (accepted) selfMetrics.records.inc({ signal, outcome: "accepted" }, accepted);
  if (rejected) selfMetrics.records.inc({ signal, outcome: "rejected" }, rejected);
  selfMetrics.duration.observe({ signal }, (performance.now() - startedAt) / 1000);
}
