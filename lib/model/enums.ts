// Enums are accepted in any case, with or without their OTLP prefix, or as the OTLP integer.

function enumReader<T extends string>(options: {
  values: readonly T[];
  prefix?: string;
  numbers?: Record<number, T>;
  aliases?: Record<string, T>;
}) {
  return (input: unknown): T | undefined => {
    if (typeof input === "number") return options.numbers?.[input];
    if (typeof input !== "string") return undefined;
    let key = input.trim().toLowerCase();
    if (/^\d+$/.test(key) && options.numbers) return options.numbers[Number(key)];
    if (options.prefix && key.startsWith(options.prefix)) key = key.slice(options.prefix.length);
    if ((options.values as readonly string[]).includes(key)) return key as T;
    return options.aliases?.[key];
  };
}

export const SPAN_KINDS = ["internal", "server", "client", "producer", "consumer"] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];
export const readSpanKind = enumReader<SpanKind>({
  values: SPAN_KINDS,
  prefix: "span_kind_",
  // 0 is SPAN_KIND_UNSPECIFIED, which OTLP says to treat as internal
  numbers: { 0: "internal", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer" },
  aliases: { unspecified: "internal" },
});

export const STATUS_CODES = ["unset", "ok", "error"] as const;
export type StatusCode = (typeof STATUS_CODES)[number];
export const readStatusCode = enumReader<StatusCode>({
  values: STATUS_CODES,
  prefix: "status_code_",
  numbers: { 0: "unset", 1: "ok", 2: "error" },
});

export const METRIC_TYPES = ["counter", "gauge", "histogram", "summary", "exponential_histogram"] as const;
export type MetricType = (typeof METRIC_TYPES)[number];
export const readMetricType = enumReader<MetricType>({
  values: METRIC_TYPES,
  prefix: "metric_type_",
  aliases: { sum: "counter", exponentialhistogram: "exponential_histogram" },
});

export const PIPELINE_STATUSES = ["pending", "completed", "failed"] as const;
export type PipelineStatus = (typeof PIPELINE_STATUSES)[number];
export const readPipelineStatus = enumReader<PipelineStatus>({
  values: PIPELINE_STATUSES,
  aliases: {
    running: "pending",
    started: "pending",
    success: "completed",
    succeeded: "completed",
    ok: "completed",
    error: "failed",
  },
});

/** OpenTelemetry severity numbers: the first of each range of four. */
export const SEVERITY_NUMBERS = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 } as const;
const SEVERITY_ALIASES: Record<string, number> = {
  warning: 13,
  critical: 21,
  notice: 9,
  verbose: 1,
  err: 17,
  panic: 21,
};

/** A severity name (INFO, warn, SEVERITY_NUMBER_ERROR, ERROR2) or number to 1…24. */
export function readSeverityNumber(input: unknown): number | undefined {
  if (typeof input === "number") return Number.isInteger(input) && input >= 0 && input <= 24 ? input : undefined;
  if (typeof input !== "string") return undefined;
  let key = input.trim().toLowerCase();
  if (key.startsWith("severity_number_")) key = key.slice("severity_number_".length);
  if (/^\d+$/.test(key)) return readSeverityNumber(Number(key));
  const m = /^([a-z]+)([2-4])?$/.exec(key);
  if (!m) return undefined;
  const base = (SEVERITY_NUMBERS as Record<string, number>)[m[1]!] ?? SEVERITY_ALIASES[m[1]!];
  return base === undefined ? undefined : base + (m[2] ? Number(m[2]) - 1 : 0);
}

export function severityName(severityNumber: number): string {
  if (severityNumber <= 0) return "UNSPECIFIED";
  const names = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
  return names[Math.min(5, Math.floor((severityNumber - 1) / 4))]!;
}
