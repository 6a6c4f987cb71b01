// lib/shared: used by both the server and the SDK, so it imports neither (npm run lint:deps checks it).
import protobuf from "protobufjs";
import { compress } from "snappyjs";

// Prometheus remote write 1.0: a snappy-compressed (block format) protobuf WriteRequest.
// Only the fields a sender needs are declared; field numbers are those of prometheus/prompb.
const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: "repeated", type: "TimeSeries", id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: "repeated", type: "Label", id: 1 },
            samples: { rule: "repeated", type: "Sample", id: 2 },
          },
        },
        Label: { fields: { name: { type: "string", id: 1 }, value: { type: "string", id: 2 } } },
        Sample: { fields: { value: { type: "double", id: 1 }, timestamp: { type: "int64", id: 2 } } },
      },
    },
  },
});
const WriteRequest = root.lookupType("prometheus.WriteRequest");

export interface Sample {
  /** Includes `__name__`. */
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/** The request body for a remote-write endpoint: one series per sample, labels sorted by name as receivers require. */
export function encodeWriteRequest(samples: Sample[]): Uint8Array<ArrayBuffer> {
  const timeseries = samples.map((s) => ({
    labels: Object.keys(s.labels)
      .sort()
      .map((name) => ({ name, value: s.labels[name] })),
    samples: [{ value: s.value, timestamp: s.timestamp }],
  }));
  return compress(WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish());
}

/** A counter's current total. */
export interface CounterSeries {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A histogram's cumulative bucket counts (observations at or below each bound, then the +Inf total) and its sum. */
export interface HistogramSeries {
  name: string;
  labels: Record<string, string>;
  bounds: number[];
  buckets: number[];
  sum: number;
}

/** Every series as samples at one time: histograms as `_bucket` (with `le`), `_sum` and `_count`. */
export function seriesSamples(
  counters: Iterable<CounterSeries>,
  histograms: Iterable<HistogramSeries>,
  timestamp: number,
  extra: Record<string, string>,
): Sample[] {
  const samples: Sample[] = [];
  for (const c of counters)
    samples.push({ labels: { ...extra, ...c.labels, __name__: c.name }, value: c.value, timestamp });
  for (const h of histograms) {
    const labels = { ...extra, ...h.labels };
    const count = h.buckets[h.bounds.length] ?? 0;
    h.bounds.forEach((bound, i) =>
      samples.push({
        labels: { ...labels, __name__: `${h.name}_bucket`, le: String(bound) },
        value: h.buckets[i] ?? 0,
        timestamp,
      }),
    );
    samples.push({ labels: { ...labels, __name__: `${h.name}_bucket`, le: "+Inf" }, value: count, timestamp });
    samples.push({ labels: { ...labels, __name__: `${h.name}_sum` }, value: h.sum, timestamp });
    samples.push({ labels: { ...labels, __name__: `${h.name}_count` }, value: count, timestamp });
  }
  return samples;
}
