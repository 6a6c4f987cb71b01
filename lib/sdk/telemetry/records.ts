import { Severity, type SpanKind } from "../client/models";

// What the client buffers between exports. Times are epoch microseconds: a plain number (exact
// below 2^53), cheap to take on every span; the exporter writes them as nanoseconds.

export { SpanKind } from "../client/models";

/** The telemetry client's name for log severities: the same levels as the batch client's. */
export const SeverityLevel = Severity;
export type SeverityLevel = Severity;

/** OTLP severity numbers: the first of each level's four. */
export const SEVERITY_NUMBER: Record<SeverityLevel, number> = {
  trace: 1,
  debug: 5,
  info: 9,
  warn: 13,
  error: 17,
  fatal: 21,
};

export type Attributes = Record<string, unknown>;

export interface SpanEventData {
  name: string;
  timeMicros: number;
  attributes: Attributes;
}

export interface SpanData {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind: SpanKind;
  startMicros: number;
  endMicros: number;
  attributes: Attributes;
  events: SpanEventData[];
  status: { code: "unset" | "ok" | "error"; message?: string };
}

export interface LogData {
  timeMicros: number;
  severity: SeverityLevel;
  message: string;
  attributes: Attributes;
  traceId?: string;
  spanId?: string;
}

export interface Exemplar {
  value: number;
  timeMicros: number;
  traceId: string;
  spanId: string;
}

/** One series' value over an export window: counters as the window's sum, gauges as the last value. */
export type MetricData =
  | {
      kind: "counter" | "gauge" | "metric";
      name: string;
      unit: string;
      attributes: Attributes;
      startMicros: number;
      timeMicros: number;
      value: number;
    }
  | {
      kind: "histogram";
      name: string;
      unit: string;
      attributes: Attributes;
      startMicros: number;
      timeMicros: number;
      count: number;
      sum: number;
      min: number;
      max: number;
      bounds: number[];
      bucketCounts: number[];
      exemplar?: Exemplar;
    };

// read once, as this runs twice a span: the global `performance` and its timeOrigin are getters
const clock = performance;
const TIME_ORIGIN = clock.timeOrigin;

/** Wall-clock time to the microsecond (a double cannot hold nanoseconds since 1970 exactly). */
export const nowMicros = (): number => Math.round((TIME_ORIGIN + clock.now()) * 1000);

/** Epoch microseconds as the decimal nanoseconds the wire takes. */
export const nanosText = (micros: number): string => `${micros}000`;

/** OpenTelemetry's default boundaries: milliseconds-scale, or seconds-scale for unit "s". */
export function defaultBounds(unit: string): number[] {
  return unit === "s"
    ? [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
    : [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
}
