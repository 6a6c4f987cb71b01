// lib/shared: used by both the server and the SDK, so it imports neither (npm run lint:deps checks it).
import { encodeWriteRequest, seriesSamples, type CounterSeries, type HistogramSeries } from "./remote-write";
import { EVENT_DURATION, EVENT_RETRIES, NETWORK_BYTES, NETWORK_LATENCY } from "./pipeline-series";

// OTLP/HTTP JSON (ExportMetricsServiceRequest) for the pipeline series: counters as cumulative
// monotonic sums, histograms as cumulative explicit-bucket histograms. 64-bit integers are strings,
// as the OTLP JSON mapping spells them.

const CUMULATIVE = 2;
const DESCRIPTIONS: Record<string, string> = Object.fromEntries(
  [EVENT_DURATION, EVENT_RETRIES, NETWORK_BYTES, NETWORK_LATENCY].map((s) => [s.name, s.help]),
);
const SECONDS = new Set<string>([EVENT_DURATION.name, NETWORK_LATENCY.name]);

const attributes = (labels: Record<string, string>) =>
  Object.entries(labels).map(([key, value]) => ({ key, value: { stringValue: value } }));

interface OtlpMetric {
  name: string;
  description: string;
  unit: string;
  sum?: { aggregationTemporality: number; isMonotonic: boolean; dataPoints: unknown[] };
  histogram?: { aggregationTemporality: number; dataPoints: unknown[] };
}

/** One request carrying every series' totals as of `nowNanos`, accumulated since `startNanos`. */
export function encodeMetricsRequest(
  counters: Iterable<CounterSeries>,
  histograms: Iterable<HistogramSeries>,
  startNanos: bigint,
  nowNanos: bigint,
  extraLabels: Record<string, string>,
  scopeName = "tracedeck-sdk-pipeline",
): unknown {
  const metrics = new Map<string, OtlpMetric>();
  const metricOf = (name: string, kind: "sum" | "histogram") => {
    let metric = metrics.get(name);
    if (!metric) {
      metric = {
        name,
        description: DESCRIPTIONS[name] ?? "",
        unit: SECONDS.has(name) ? "s" : name === NETWORK_BYTES.name ? "By" : "1",
        ...(kind === "sum"
          ? { sum: { aggregationTemporality: CUMULATIVE, isMonotonic: true, dataPoints: [] } }
          : { histogram: { aggregationTemporality: CUMULATIVE, dataPoints: [] } }),
      };
      metrics.set(name, metric);
    }
    return metric;
  };
  const times = { startTimeUnixNano: String(startNanos), timeUnixNano: String(nowNanos) };
  for (const c of counters) {
    metricOf(c.name, "sum").sum?.dataPoints.push({
      attributes: attributes({ ...extraLabels, ...c.labels }),
      ...times,
      asDouble: c.value,
    });
  }
  for (const h of histograms) {
    const cumulative = h.buckets;
    // OTLP buckets count what falls in each range, not at-or-below each bound
    const bucketCounts = cumulative.map((count, i) => String(count - (i > 0 ? (cumulative[i - 1] ?? 0) : 0)));
    metricOf(h.name, "histogram").histogram?.dataPoints.push({
      attributes: attributes({ ...extraLabels, ...h.labels }),
      ...times,
      count: String(cumulative[h.bounds.length] ?? 0),
      sum: h.sum,
      bucketCounts,
      explicitBounds: h.bounds,
    });
  }
  return {
    resourceMetrics: [
      { resource: { attributes: [] }, scopeMetrics: [{ scope: { name: scopeName }, metrics: [...metrics.values()] }] },
    ],
  };
}

/** A push of cumulative series to a metrics endpoint: Prometheus remote write (protobuf + snappy) or OTLP/HTTP JSON. */
export interface MetricsPush {
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | string;
  /** Samples (remote write) or data points (OTLP) it carries. */
  points: number;
}

export function metricsPush(
  protocol: "remote_write" | "otlp",
  counters: CounterSeries[],
  histograms: HistogramSeries[],
  options: { startNanos: bigint; nowMs: number; labels: Record<string, string>; scopeName?: string },
): MetricsPush {
  if (protocol === "otlp") {
    const body = encodeMetricsRequest(
      counters,
      histograms,
      options.startNanos,
      BigInt(options.nowMs) * 1_000_000n,
      options.labels,
      options.scopeName,
    );
    return {
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      points: counters.length + histograms.length,
    };
  }
  const samples = seriesSamples(counters, histograms, options.nowMs, options.labels);
  return {
    headers: {
      "content-type": "application/x-protobuf",
      "content-encoding": "snappy",
      "x-prometheus-remote-write-version": "0.1.0",
    },
    body: encodeWriteRequest(samples),
    points: samples.length,
  };
}
